"""Loaded by schemathesis before it runs (bench/schemathesis/run sets
SCHEMATHESIS_HOOKS). It registers no hook: it works around a fault of CPython 3.11's
parser that schemathesis' runs hit.

Hypothesis describes a lambda (in the repr of a strategy, which it builds while
validating one) by parsing the whole source file the lambda is in, the first time
it needs to, and caches the lambdas it found. CPython 3.11.7's parser fails with
"SystemError: AST constructor recursion depth mismatch" when that first parse
happens deep in a draw, as it did for schemathesis' own strategy module in the
coverage phase of POST /workflows: schemathesis then reports an error for the
operation, and the run fails through no fault of the service. Parsing those files
here, at the top of the stack, into a cache shared by schemathesis' worker threads
(hypothesis keeps one per thread, bounded to 100 files), means hypothesis never
parses them deep in a draw. Newer Pythons do not need it.
"""

import ast
import importlib
import inspect
import sys

if sys.version_info < (3, 12):
    from hypothesis.internal import lambda_sources

    for name in (
        "schemathesis.generation.jsonschema.strategy",
        "schemathesis.specs.openapi.coverage._schema",
        "schemathesis.specs.openapi.coverage._operation",
    ):
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    shared = {}
    for name, module in sorted(sys.modules.items()):
        if not name.startswith(("schemathesis", "hypothesis")) or module is None:
            continue
        try:
            lines = tuple(inspect.findsource(module)[0])
        except (OSError, TypeError):
            continue
        if not any("lambda" in line for line in lines):
            continue
        try:
            tree = ast.parse("".join(lines))
        except SyntaxError:
            continue
        shared[lines] = lambda_sources.extract_all_lambdas(tree)
    # A dict in place of hypothesis' per-thread LRU cache: read by every thread,
    # and written (for other files) under the GIL.
    lambda_sources.AST_LAMBDAS_CACHE = shared
