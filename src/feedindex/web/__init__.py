"""The web service: the FastAPI application (`server`: the API, the search page, the feeds), the
searchers it shares (`pool`), its HTTP manners (`http`), the page itself (`page`), and running it
under uvicorn (`serve`)."""
