"""Helpers shared by test files (not tests themselves)."""
import pytest

# The helpers assert; let pytest explain their failures as it does a test's own asserts.
pytest.register_assert_rewrite("tests.support.contract_cases")
