"""The strict pydantic base every configuration and event model shares."""

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

if TYPE_CHECKING:  # the type checker and pydantic's mypy plugin see pydantic's own
    from pydantic import Field as Field
else:
    import pydantic

    # What FieldInfo.from_field takes as it is, with nothing for Field to turn into
    # something else (an alias sets the validation and serialization aliases; the
    # arguments pydantic 1 had are warned of or refused), in the order of Field's
    # parameters: the constraints become the field's metadata in that order.
    _PLAIN = (
        *("default_factory", "title", "description", "examples", "exclude"),
        *("json_schema_extra", "frozen", "validate_default", "repr", "pattern", "strict"),
        *("gt", "ge", "lt", "le", "multiple_of", "allow_inf_nan", "min_length", "max_length"),
    )
    _PLAIN_SET = frozenset(_PLAIN)

    def Field(default: Any = PydanticUndefined, **given: Any) -> Any:
        """pydantic's Field, the same FieldInfo, made from the arguments given alone:
        pydantic's passes its ~40 parameters on, each a dictionary entry to copy and
        test, 168 k instructions a field against 32 k (127 fields on exec's way,
        ~17 M; issue 18). Anything else goes to pydantic's own."""
        if given.keys() <= _PLAIN_SET:
            return FieldInfo.from_field(default, **{k: given[k] for k in _PLAIN if k in given})
        return pydantic.Field(default, **given)


class Strict(BaseModel):
    """Unknown keys are errors, numbers are finite, and a parsed value never changes."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
