import os

from hypothesis import HealthCheck, settings

from skip_summary import pytest_terminal_summary  # noqa: F401  (the run ends with what was skipped and why)

settings.register_profile("ci", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("stress", max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck))
settings.load_profile("ci" if os.environ.get("CI") else "dev")  # --hypothesis-profile=stress for long runs

collect_ignore = ["typing_errors.py"]


# Every model class any test defines, kept alive so that the differential test
# (test_compiled_matches_interpreter.py, marked "suite_wide": run after every other
# test, see pytest_collection_modifyitems) can run the generated code and the
# interpreter over all of them.
CREATED_MODELS = []


def _record_models():
    from binmodel.model import on_define

    def record(cls):
        # (models of the docs' examples run as "__main__" doctests, whose globals are cleared after
        # each file: functions they define, such as docs/architecture.md's handlers, stop working)
        if cls.__module__ != "__main__":
            CREATED_MODELS.append(cls)

    on_define(record)


_record_models()


# Every ParseError and BuildError the suite makes (one of each message), for
# test_error_attributes.py: their attributes must agree with their messages.
RAISED_ERRORS = {}


def _record_errors():
    from binmodel.errors import on_error

    def record(error):
        if error.reason not in RAISED_ERRORS and len(RAISED_ERRORS) < 50_000:
            RAISED_ERRORS[error.reason] = error

    on_error(record)


_record_errors()


def pytest_collection_modifyitems(session, config, items):
    """Tests marked ``suite_wide`` run last, after every other test has defined its models and made its errors."""
    items.sort(key=lambda item: item.get_closest_marker("suite_wide") is not None)
