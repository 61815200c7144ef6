"""Regenerate the Python protobuf module from `proto/taskmap.proto` with grpcio-tools' protoc.

The generated `taskmap_pb2.py` and its type stub `taskmap_pb2.pyi` (for mypy) are committed (so importing it needs only the protobuf runtime);
a test regenerates it into a temporary folder and checks it is identical, so the committed file
cannot drift from the .proto.

Run: `.venv/bin/python -m wikiforge.tasks.codegen`
"""

from __future__ import annotations

import tempfile
from importlib import resources
from pathlib import Path

PROTO_DIR = Path(__file__).parent / "proto"
PROTO_NAME = "taskmap.proto"


def generate(out_dir: Path) -> Path:
    """Compile taskmap.proto into `out_dir` (the module and its stub) and return the path of the
    generated module (the stub is beside it, ending in `.pyi`).

    The import line protoc writes (`taskmap_pb2` has no package-relative imports) is left as is:
    the file only imports google.protobuf's well-known types.
    """
    from grpc_tools import protoc  # only needed when regenerating

    include = str(resources.files("grpc_tools") / "_proto")
    args = [
        "protoc",
        f"-I{PROTO_DIR}",
        f"-I{include}",
        f"--python_out={out_dir}",
        f"--pyi_out={out_dir}",
        str(PROTO_DIR / PROTO_NAME),
    ]
    code = protoc.main(args)
    if code != 0:
        raise RuntimeError(f"protoc failed with exit code {code} on {PROTO_DIR / PROTO_NAME}")
    return Path(out_dir) / "taskmap_pb2.py"


def main() -> None:
    """Regenerate `proto/taskmap_pb2.py` in place."""
    with tempfile.TemporaryDirectory() as tmp:
        generated = generate(Path(tmp))
        for suffix in (".py", ".pyi"):
            name = "taskmap_pb2" + suffix
            (PROTO_DIR / name).write_bytes(generated.with_suffix(suffix).read_bytes())
            print(f"wrote {PROTO_DIR / name}")


if __name__ == "__main__":
    main()
