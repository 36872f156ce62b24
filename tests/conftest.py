import os

from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("stress", max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck))
settings.load_profile("ci" if os.environ.get("CI") else "dev")  # --hypothesis-profile=stress for long runs

collect_ignore = ["typing_errors.py"]


# Every model class any test defines, kept alive so that the differential test
# (test_compiled_matches_interpreter.py, marked "differential": run after every other
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


def pytest_collection_modifyitems(session, config, items):
    """Tests marked ``differential`` run last, after every other test has defined its models."""
    items.sort(key=lambda item: item.get_closest_marker("differential") is not None)
