"""Upload file names as people give them: long is fine, the extension is what matters."""

from pathlib import PurePath


def fit_filename(name: str, max_length: int = 200) -> str:
    """``name`` without any folder, shortened to ``max_length`` characters *keeping its
    extension* (cutting the end off ``…市民名单.xlsx`` made it an unknown file type)."""
    name = PurePath(str(name).replace("\\", "/")).name or "upload"
    if len(name) <= max_length:
        return name
    suffix = PurePath(name).suffix
    if len(suffix) > 16:
        suffix = ""
    return name[: max_length - len(suffix)] + suffix
