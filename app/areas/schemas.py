"""Operations areas as the API shows them."""

from datetime import date

from pydantic import BaseModel, Field


class OperationsArea(BaseModel):
    """An operations area: who orders the work, who performs it, for how long, and its size."""

    id: int
    namn: str
    bestallare: str = Field(description="Beställarens slug")
    bestallare_namn: str
    utforare: str = Field(description="Utförarens slug")
    utforare_namn: str
    avtal_fran: date
    avtal_till: date | None
    hektar: float
