from .builder import BuilderForm
from .sending import SendTemplateForm, StartConversationForm

__all__ = ["BuilderForm", "SendTemplateForm", "StartConversationForm"]
