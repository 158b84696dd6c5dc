"""``policyrules batch … --engine spark [--master URL]``: the compiled query on Apache Spark.

Input: a population file; output: a Parquet folder (Spark writes one part file per task) with
the columns and values of the in-process run.  Validation is the project's one validation
(:mod:`policyrules.batch.io`, the forms of :mod:`policyrules.evaluate.forms`), streamed by
DuckDB where the command runs: valid rows, typed, go to a staging Parquet file beside the
output (so that a cluster's executors read it where they read the output), refused rows to the
rejects file.  Spark then runs the query compiled in the ``spark`` dialect over the staging file
and writes the results.  ANSI mode stays on, so a decimal overflow stops the job rather than
giving NULL.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Mapping
from typing import Any

from policyrules.batch import io
from policyrules.batch.run import MEMORY_LIMIT, BatchError, BatchResult, Session, default_rejects_path

DEFAULT_MASTER = "local[*]"


def session(master: str | None = None) -> Any:
    """The active Spark session, or a new one on ``master`` (default local, all cores)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise BatchError("--engine spark needs PySpark: pip install pyspark (and Java 17)") from None
    active = SparkSession.getActiveSession()
    if active is not None and (master is None or active.sparkContext.master == master):
        return active
    builder = (SparkSession.builder.master(master or DEFAULT_MASTER).appName("policyrules")
               .config("spark.sql.session.timeZone", "UTC").config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.ansi.enabled", "true").config("spark.sql.shuffle.partitions", "8"))
    try:
        spark = builder.getOrCreate()
    except Exception as err:  # Java missing, the master unreachable: py4j/pyspark raise many kinds
        text = str(err).strip().splitlines()
        raise BatchError(f"cannot start Spark on {master or DEFAULT_MASTER}: {text[0] if text else err!r}") from None
    spark.sparkContext.setLogLevel("FATAL")  # a failed query is reported once, as a BatchError
    return spark


def run_spark(policy: Any, input_path: str, output: str, on: dt.date, params: Mapping[str, str] | None = None,
              mapping: Mapping[str, str] | None = None, rejects: str | None = None, master: str | None = None,
              memory_limit: str = MEMORY_LIMIT) -> BatchResult:
    """Evaluate every row of ``input_path`` on Spark into Parquet folder ``output``; refused rows go to
    ``rejects`` (default ``<output>.rejects.csv``, written only when not empty)."""
    if io.file_format(output) != "parquet":
        raise BatchError(f"{output}: --engine spark writes Parquet: name the output *.parquet")
    if os.path.exists(output):
        raise BatchError(f"{output} exists already: Spark writes a new folder; remove it or name another")
    sess = Session(policy, input_path, on, params, mapping, progress=False, memory_limit=memory_limit)
    compiled = sess.compiled(row=not sess.plan.passthrough, dialect="spark")
    path = rejects or default_rejects_path(output)
    io.file_format(path)
    try:
        staging = tempfile.mkdtemp(prefix=".policyrules-staging-", dir=os.path.dirname(os.path.abspath(output)))
    except OSError as err:
        raise BatchError(f"{output}: cannot write beside it: {err.strerror}") from None
    try:
        facts = os.path.join(staging, "facts.parquet")
        valid = io.write_output(sess.con, f"SELECT * FROM {sess.facts}", facts)
        problems = io.write_output(sess.con, f"SELECT * FROM {sess.rejects}", path)
        rejected = 0
        if problems:
            found = sess.con.execute(f"SELECT count(DISTINCT row) FROM {sess.rejects}").fetchone()
            rejected = int(found[0]) if found else 0
        elif rejects is None:
            os.unlink(path)
        spark = session(master)
        try:
            spark.read.parquet(facts).createOrReplaceTempView(sess.facts)
            spark.sql(compiled.sql()).write.parquet(output)
        except Exception as err:  # AnalysisException, Py4JJavaError, ArithmeticException in ANSI mode
            text = str(err).strip().splitlines()
            raise BatchError(f"Spark run failed: {text[0] if text else err!r}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return BatchResult(valid, rejected, problems, path if (problems or rejects) else None,
                       tuple(o.column for o in compiled.outputs), sess.plan.notes)

