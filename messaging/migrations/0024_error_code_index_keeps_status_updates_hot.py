# The index 0023 added named two columns every status update changes: status (its condition) and
# updated_at. On PostgreSQL an update that changes an indexed column can't be "HOT", so since 0023 no
# status update was (0022's room on the page went unused) and each one wrote an entry into every
# index of the table. This one names only error_code, which a status update leaves as it is.
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [("messaging", "0023_failed_code_index_fewer_status_indexes")]

    operations = [
        migrations.RemoveIndex(
            model_name='message',
            name='message_failed_code_idx',
        ),
        migrations.AddIndex(
            model_name='message',
            index=models.Index(condition=models.Q(('error_code__isnull', False)), fields=['error_code'], name='message_error_code_idx'),
        ),
    ]
