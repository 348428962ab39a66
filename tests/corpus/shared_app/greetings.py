from fastapi import APIRouter, Request

router = APIRouter()


@router.get("/greeting")
def greeting(request: Request) -> dict[str, str]:
    return {"greeting": request.app.state.greeting}
