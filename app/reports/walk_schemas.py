"""A safety walk's batch answer as the API documents it: each row's report and the protocol."""

from pydantic import BaseModel, Field

from app.responsibility.schemas import BatchAnswer, BatchError, OrganisationName, OrganisationRef


class ReportMade(BaseModel):
    """The report a walk's row made."""

    nummer: str
    status: str
    kategori: str
    mottagare: OrganisationName
    lank: str
    protokoll: str


class WalkAnswer(BatchAnswer):
    """A walk's row: its answer and its report."""

    felanmalan: ReportMade


class WalkAnswers(BaseModel):
    """Every row of a walk, in input order; rows with their own errors made no report."""

    svar: list[WalkAnswer | BatchError]
    antal: int
    protokoll: str | None = Field(description="Följ upp med /api/v1/felanmalan?protokoll=")
    felanmalningar: int


class WalkGroup(BaseModel):
    """The rows of a walk one organisation is accountable for."""

    huvudman: OrganisationRef
    punkter: list[WalkAnswer]
    antal: int


class GroupedWalkAnswers(BaseModel):
    """A walk grouped by accountable organisation; rows without a report last."""

    grupper: list[WalkGroup]
    utan_huvudman: list[WalkAnswer | BatchError]
    antal: int
    protokoll: str | None
    felanmalningar: int
