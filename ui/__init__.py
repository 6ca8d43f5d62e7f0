"""The page's building blocks: UI text in English and Chinese (`i18n.py`),
document and model text made safe for Markdown (`markdown.py`), and the
Streamlit pieces `app.py` is assembled from (`components.py`)."""
