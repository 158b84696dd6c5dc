"""policyrules: rules as code for employment and social-security policy.

The public API lives in :mod:`policyrules.api`; the pipeline stages are the
subpackages ``syntax`` (text -> AST), ``check`` (AST -> checked policy),
``evaluate`` (checked policy + facts -> results with traces), ``explain``
(trace -> text/JSON), ``compile`` (checked policy -> SQL) and ``batch``.
"""

__version__ = "0.1.0"
