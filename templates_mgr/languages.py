"""The languages Meta accepts for templates (docs/cloudapi.md §3), by the names people pick them by."""

LANGUAGES: dict[str, str] = {
    "af": "Afrikaans", "sq": "Albanian", "ar": "Arabic", "ar_EG": "Arabic (Egypt)", "ar_AE": "Arabic (UAE)",
    "ar_LB": "Arabic (Lebanon)", "ar_MA": "Arabic (Morocco)", "ar_QA": "Arabic (Qatar)", "ar_SA": "Arabic (Saudi Arabia)",
    "az": "Azerbaijani", "bn": "Bengali", "bg": "Bulgarian", "ca": "Catalan", "zh_CN": "Chinese (China)",
    "zh_HK": "Chinese (Hong Kong)", "zh_TW": "Chinese (Taiwan)", "hr": "Croatian", "cs": "Czech", "da": "Danish",
    "nl": "Dutch", "en": "English", "en_GB": "English (UK)", "en_US": "English (US)", "en_AU": "English (Australia)",
    "en_CA": "English (Canada)", "en_IN": "English (India)", "et": "Estonian", "fil": "Filipino", "fi": "Finnish",
    "fr": "French", "fr_CA": "French (Canada)", "fr_BE": "French (Belgium)", "ka": "Georgian", "de": "German",
    "el": "Greek", "gu": "Gujarati", "ha": "Hausa", "he": "Hebrew", "hi": "Hindi", "hu": "Hungarian",
    "id": "Indonesian", "ga": "Irish", "it": "Italian", "ja": "Japanese", "kn": "Kannada", "kk": "Kazakh",
    "rw_RW": "Kinyarwanda", "ko": "Korean", "ky_KG": "Kyrgyz", "lo": "Lao", "lv": "Latvian", "lt": "Lithuanian",
    "mk": "Macedonian", "ms": "Malay", "ml": "Malayalam", "mr": "Marathi", "nb": "Norwegian", "fa": "Persian",
    "pl": "Polish", "pt_BR": "Portuguese (BR)", "pt_PT": "Portuguese (POR)", "pa": "Punjabi", "ro": "Romanian",
    "ru": "Russian", "sr": "Serbian", "sk": "Slovak", "sl": "Slovenian", "es": "Spanish", "es_AR": "Spanish (Argentina)",
    "es_ES": "Spanish (Spain)", "es_MX": "Spanish (Mexico)", "es_CL": "Spanish (Chile)", "es_CO": "Spanish (Colombia)",
    "es_PE": "Spanish (Peru)", "es_VE": "Spanish (Venezuela)", "sw": "Swahili", "sv": "Swedish", "ta": "Tamil",
    "te": "Telugu", "th": "Thai", "tr": "Turkish", "uk": "Ukrainian", "ur": "Urdu", "uz": "Uzbek",
    "vi": "Vietnamese", "zu": "Zulu",
}


def language_choices(current: str = "") -> list[tuple[str, str]]:
    """``(code, "English (US) — en_US")`` by name; a ``current`` code Meta's list lacks is kept, so
    editing an old template never changes its language."""
    choices = sorted(((code, f"{name} — {code}") for code, name in LANGUAGES.items()), key=lambda choice: choice[1])
    if current and current not in LANGUAGES:
        choices.insert(0, (current, current))
    return choices


def with_article(code: str) -> str:
    """"an en_US template", "a pt_BR template": the article as the code is read aloud."""
    return f"{'an' if code[:1].lower() in 'aeiou' else 'a'} {code}"
