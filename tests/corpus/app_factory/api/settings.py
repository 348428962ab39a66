def build_settings() -> dict[str, str]:
    return {"title": "Orders", "version": "1.0", "prefix": "/v1"}
