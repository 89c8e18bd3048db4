# lit configuration for the golden tests: each .rasp/.test file names its RUN lines.
import os
import sys
import lit.formats

config.name = "rasp"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".rasp", ".test"]
config.excludes = ["Inputs", "lit.cfg.py", "lit.site.cfg.py.in"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(os.path.dirname(config.rasp_bin), "tests", "lit-out")

config.substitutions.append(("%rasp", config.rasp_bin))
config.substitutions.append(("%root", config.rasp_source_dir))
# The Python that runs lit, for RUN lines that generate large inputs.
config.substitutions.append(("%python", sys.executable))
config.environment["PATH"] = os.pathsep.join(
    [config.llvm_tools_dir, config.environment.get("PATH", os.environ.get("PATH", ""))])
# Diagnostics are compared as plain text.
config.environment["TERM"] = "dumb"

# Graphviz renders drawings where it is installed (scripts/install-deps.sh
# installs it).
import shutil
if shutil.which("dot"):
    config.available_features.add("dot")

# Tests that run rasp under `ulimit -v`: AddressSanitizer reserves terabytes
# of address space at start, so sanitized builds skip them.
if not config.rasp_sanitized:
    config.available_features.add("memory-limits")
# Sanitized builds use several times the stack per call: programs near the
# nesting limit meet the stack guard first there.
else:
    config.available_features.add("sanitized")
