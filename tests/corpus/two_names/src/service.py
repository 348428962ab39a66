from .models import Item

LABEL = f"service of {Item.kind}"
