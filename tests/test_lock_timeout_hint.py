"""The advice after a read that gave up on the database's lock, when no holder was named."""

from console.engine.resolved import Resolved
from console.engine.resolving import _refused_hint


def test_a_lock_timeout_without_a_holder_named_claims_no_holder_ended():
    """The host named no holder: it may have ended, psql may have failed, or a custom
    strategy never asked. The advice says none was named, not that it had ended (426927ef
    said 'it had ended when asked who' in every such case)."""
    found = Resolved(
        param="revision",
        symbolic="previous",
        values={},
        said={},
        refused={"db-1": "cannot read the tables orders: canceling statement due to lock timeout"},
    )
    hint = _refused_hint(None, found, "run again naming it (--param revision=VALUE)")  # type: ignore[arg-type]
    assert "none was named holding it" in hint
    assert "had ended" not in hint
    assert "--param" not in hint
