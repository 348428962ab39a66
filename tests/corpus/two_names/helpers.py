from models import describe

GREETING = f"helpers say {describe()}"
