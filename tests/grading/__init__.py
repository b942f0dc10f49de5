"""The grader's tests and their submission cases."""
