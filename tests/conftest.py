import os

from hypothesis import HealthCheck, settings

from skip_summary import pytest_terminal_summary  # noqa: F401  (the run ends with what was skipped and why)

settings.register_profile("ci", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("stress", max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck))
settings.load_profile("ci" if os.environ.get("CI") else "dev")  # --hypothesis-profile=stress for long runs

collect_ignore = ["typing_errors.py"]


# Every model class any test defines, kept alive so that the differential test
# (test_zz_compiled_matches_interpreter.py, collected last) can run the compiler
# and the interpreter over all of them.
CREATED_MODELS = []


def _record_models():
    from binmodel.model import StructMeta

    original = StructMeta.__new__

    def recording_new(mcls, name, bases, ns, **kwargs):
        cls = original(mcls, name, bases, ns, **kwargs)
        if "_bm_node" in cls.__dict__:
            CREATED_MODELS.append(cls)
        return cls

    StructMeta.__new__ = recording_new


_record_models()
