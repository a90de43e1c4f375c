"""A real Spark session in local mode for the msrwe.spark tests, started once and stopped after.

Needs PySpark (installed with msrwe's test extra) and a Java runtime (``make test`` installs
Debian's when missing, scripts/ensure_system_deps.sh); without them the tests skip and say why.
"""

import os
import shutil
import sys

import pytest


@pytest.fixture(scope="session")
def spark():
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        pytest.skip("PySpark is not installed: pip install 'msrwe[spark]' (make test installs it)")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("no Java runtime for Spark: apt-get install default-jre-headless "
                    "(make test installs it via scripts/ensure_system_deps.sh)")
    import msrwe.spark as ms

    os.environ["PYSPARK_PYTHON"] = sys.executable  # executors use this environment's Python
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    builder = (
        SparkSession.builder.master("local[2]").appName("msrwe-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.driver.memory", "2g")
    )
    for key, value in ms.recommended_conf(batch_rows=20_000).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
