"""REST front end: the FastAPI app (`app`) and its uvicorn server thread (`server`)."""
