"""Lays out .aws-sam/build for `sam deploy` from the binaries `make lambda-build` built (docs/decisions/0009).

Usage: python scripts/package.py --architecture x86_64|arm64 --target-dir $CARGO_TARGET_DIR
                                 [--lambdas "intake backoffice ..."] [--template infra/template.yaml]
                                 [--build-dir .aws-sam/build]

What `sam build` would write, without building anything:
- every AWS::Serverless::Function with `Metadata.BuildMethod: rust-cargolambda` gets
  <target-dir>/lambda/<BuildProperties.Binary>/bootstrap copied to <build-dir>/<LogicalId>/bootstrap, its CodeUri
  pointed there (relative to the built template) and its build Metadata dropped (the binary is already built);
- every AWS::Serverless::LayerVersion gets its ContentUri directory copied to <build-dir>/<LogicalId>/;
- the template goes to <build-dir>/template.yaml, where `sam deploy` (no --template-file) looks first. In it the
  Architecture parameter allows only the packaged architecture, so it cannot be deployed as the other one.

Each bootstrap's ELF machine must match --architecture (62 x86-64, 183 aarch64), each function must run on it
(its Architectures, or Globals', is `!Ref Architecture` or that literal), and with --lambdas (the Makefile's
LAMBDAS, what make lambda-build builds) the template's binaries must be exactly those, so that no stale bootstrap
of a cached target directory is packaged. Anything missing, unreadable or mismatched fails with a message; a
check that cannot run fails too. Run with the tools venv's Python (PyYAML).
The template is handled as YAML nodes, so CloudFormation's short-form tags (!Ref, !Sub, !GetAtt, ...) and the
scalars' quoting are written back as they were read.
"""

import argparse
import os
import pathlib
import shutil
import sys

try:
    import yaml
except ImportError:  # pragma: no cover - depends on the interpreter
    sys.exit("package: PyYAML is missing; run this with the tools venv's Python (.local/tools/bin/python, make tools)")

ROOT = pathlib.Path(__file__).resolve().parent.parent
STR = "tag:yaml.org,2002:str"
# e_machine of an ELF header: what --architecture expects, and names for the message.
MACHINES = {"x86_64": 62, "arm64": 183}
MACHINE_NAMES = {62: "x86-64", 183: "aarch64", 3: "i386", 40: "arm (32-bit)"}
CARGO_FLAGS = {"x86_64": "--x86-64", "arm64": "--arm64"}


class TemplateDumper(yaml.SafeDumper):
    """Writes a short-form tag's plain scalar plain (`!Ref Foo`); PyYAML would quote it (`!Ref 'Foo'`)."""

    def choose_scalar_style(self):
        style = super().choose_scalar_style()
        event, analysis = self.event, self.analysis
        if (style == "'" and event.style is None and (event.tag or "").startswith("!") and not analysis.multiline
                and not analysis.empty
                and (analysis.allow_flow_plain if self.flow_level else analysis.allow_block_plain)):
            return ""
        return style


class PackageError(Exception):
    """Why the build directory cannot be deployed."""


def child(node, key):
    """The value node of `key` in a mapping node, or None."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
                return value_node
    return None


def drop(node, key):
    """Removes `key` from a mapping node."""
    node.value = [(k, v) for k, v in node.value if not (isinstance(k, yaml.ScalarNode) and k.value == key)]


def scalar(node):
    """The text of a plain (untagged) scalar node, or None."""
    if isinstance(node, yaml.ScalarNode) and node.tag == STR:
        return node.value
    return None


def set_scalar(mapping, key, value):
    """Sets `key` of a mapping node to a string, replacing whatever was there (a tag included)."""
    new = yaml.ScalarNode(STR, value)
    for index, (key_node, _) in enumerate(mapping.value):
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            mapping.value[index] = (key_node, new)
            return
    mapping.value.append((yaml.ScalarNode(STR, key), new))


def is_ref(node, name):
    """Whether a node is `!Ref name` or `{Ref: name}`."""
    if isinstance(node, yaml.ScalarNode) and node.tag == "!Ref":
        return node.value == name
    if isinstance(node, yaml.MappingNode) and len(node.value) == 1:
        return scalar(child(node, "Ref")) == name
    return False


def elf_machine(path):
    """The e_machine of an ELF file, or a PackageError saying why it is not one."""
    try:
        with open(path, "rb") as handle:
            header = handle.read(20)
    except OSError as error:
        raise PackageError(f"{path}: cannot read it ({error.strerror})") from error
    if len(header) < 20 or header[:4] != b"\x7fELF":
        raise PackageError(f"{path}: not an ELF executable")
    byteorder = {1: "little", 2: "big"}.get(header[5])
    if byteorder is None:
        raise PackageError(f"{path}: ELF header with an unknown byte order ({header[5]})")
    return int.from_bytes(header[18:20], byteorder)


def function_runs_on(function_id, properties, globals_function, architecture):
    """Fails unless the function's Architectures (its own, else Globals') resolve to exactly `architecture`."""
    declared = child(properties, "Architectures")
    where = "its Architectures"
    if declared is None:
        declared = child(globals_function, "Architectures") if globals_function is not None else None
        where = "Globals.Function.Architectures"
    if declared is None:
        # Lambda's default is x86_64.
        if architecture != "x86_64":
            raise PackageError(f"{function_id}: declares no Architectures (Lambda's default is x86_64), "
                               f"packaged for {architecture}")
        return
    if not isinstance(declared, yaml.SequenceNode) or len(declared.value) != 1:
        raise PackageError(f"{function_id}: {where} is not a one-item list; cannot tell what it runs on")
    (item,) = declared.value
    if is_ref(item, "Architecture"):
        return
    if scalar(item) != architecture:
        raise PackageError(f"{function_id}: {where} is {scalar(item) or '(an expression)'}, packaged for "
                           f"{architecture}; use [!Ref Architecture]")


def package(template_path, target_dir, build_dir, architecture, lambdas=None):
    """Checks everything, then writes the build directory; returns the lines to print."""
    template_dir = template_path.parent
    with open(template_path, encoding="utf-8") as handle:
        root = yaml.compose(handle, Loader=yaml.SafeLoader)
    if not isinstance(root, yaml.MappingNode):
        raise PackageError(f"{template_path}: not a YAML mapping")

    parameter = child(child(root, "Parameters"), "Architecture")
    allowed = child(parameter, "AllowedValues")
    if parameter is None or not isinstance(allowed, yaml.SequenceNode):
        raise PackageError(f"{template_path}: no Architecture parameter with AllowedValues")
    if architecture not in [scalar(v) for v in allowed.value]:
        raise PackageError(f"{template_path}: the Architecture parameter does not allow {architecture}")
    globals_function = child(child(root, "Globals"), "Function")

    resources = child(root, "Resources")
    if not isinstance(resources, yaml.MappingNode):
        raise PackageError(f"{template_path}: no Resources")
    functions, layers, problems, declared = [], [], [], set()
    expected = MACHINES[architecture]
    for key_node, resource in resources.value:
        logical_id, kind = key_node.value, scalar(child(resource, "Type"))
        properties = child(resource, "Properties")
        try:
            if kind == "AWS::Serverless::Function":
                metadata = child(resource, "Metadata")
                if scalar(child(metadata, "BuildMethod")) != "rust-cargolambda":
                    raise PackageError(f"{logical_id}: no Metadata BuildMethod rust-cargolambda; this script "
                                       f"packages only the functions make lambda-build builds")
                binary = scalar(child(child(metadata, "BuildProperties"), "Binary"))
                if not binary:
                    raise PackageError(f"{logical_id}: Metadata.BuildProperties.Binary is missing")
                declared.add(binary)
                function_runs_on(logical_id, properties, globals_function, architecture)
                bootstrap = target_dir / "lambda" / binary / "bootstrap"
                if not bootstrap.is_file():
                    raise PackageError(f"{logical_id}: no {bootstrap}; run make lambda-build ARCH={architecture} "
                                       f"(cargo lambda build --release {CARGO_FLAGS[architecture]} -p {binary})")
                try:
                    machine = elf_machine(bootstrap)
                except PackageError as error:
                    raise PackageError(f"{logical_id}: {error}") from error
                if machine != expected:
                    found = MACHINE_NAMES.get(machine, f"e_machine {machine}")
                    raise PackageError(
                        f"{logical_id}: {bootstrap} is built for {found}, but --architecture {architecture} needs "
                        f"{MACHINE_NAMES[expected]} (e_machine {expected}); build it with make lambda-build "
                        f"ARCH={architecture}, or package with the architecture it was built for")
                functions.append((logical_id, resource, properties, binary, bootstrap))
            elif kind == "AWS::Serverless::LayerVersion":
                uri = scalar(child(properties, "ContentUri"))
                if uri is None or "://" in uri:
                    raise PackageError(f"{logical_id}: ContentUri is not a local directory")
                source = (template_dir / uri).resolve()
                if not source.is_dir():
                    raise PackageError(f"{logical_id}: ContentUri {uri} is no directory ({source}); "
                                       f"run make fonts")
                if not any(p.is_file() for p in source.rglob("*")):
                    raise PackageError(f"{logical_id}: ContentUri {uri} holds no file ({source}); run make fonts")
                layers.append((logical_id, properties, source))
            elif kind in ("AWS::Lambda::Function", "AWS::Lambda::LayerVersion", "AWS::Serverless::Application",
                          "AWS::Serverless::StateMachine", "AWS::CloudFormation::Stack"):
                raise PackageError(f"{logical_id}: {kind} is not handled by this script (its local paths would "
                                   f"break in the built template)")
        except PackageError as error:
            problems.append(str(error))
    if not functions and not problems:
        problems.append(f"{template_path}: no AWS::Serverless::Function to package")
    if lambdas is not None:
        unbuilt, unused = sorted(declared - set(lambdas)), sorted(set(lambdas) - declared)
        if unbuilt:
            problems.append(f"not in the Makefile's LAMBDAS, so not built by make lambda-build: {' '.join(unbuilt)}")
        if unused:
            problems.append(f"in LAMBDAS but no rust-cargolambda function of {template_path.name}: {' '.join(unused)}")
    if problems:
        raise PackageError("\n".join(problems))

    # Everything checked: lay the directory out.
    lines = []
    build_dir.mkdir(parents=True, exist_ok=True)
    for logical_id, resource, properties, binary, bootstrap in functions:
        destination = build_dir / logical_id
        shutil.rmtree(destination, ignore_errors=True)
        destination.mkdir()
        shutil.copyfile(bootstrap, destination / "bootstrap")
        os.chmod(destination / "bootstrap", 0o755)
        set_scalar(properties, "CodeUri", logical_id)
        metadata = child(resource, "Metadata")
        for key in ("BuildMethod", "BuildProperties"):
            drop(metadata, key)
        if not metadata.value:
            drop(resource, "Metadata")
        size = (destination / "bootstrap").stat().st_size
        lines.append(f"package {logical_id:<22} {binary:<13} {architecture:<6} {size:>10} bytes")
    for logical_id, properties, source in layers:
        destination = build_dir / logical_id
        shutil.rmtree(destination, ignore_errors=True)
        shutil.copytree(source, destination)
        set_scalar(properties, "ContentUri", logical_id)
        size = sum(p.stat().st_size for p in destination.rglob("*") if p.is_file())
        lines.append(f"package {logical_id:<22} {'(layer)':<13} {'any':<6} {size:>10} bytes")

    # The packaged template allows (and defaults to) only the architecture its binaries are built for.
    set_scalar(parameter, "Default", architecture)
    allowed.value = [yaml.ScalarNode(STR, architecture)]
    allowed.flow_style = True

    output = build_dir / "template.yaml"
    partial = build_dir / "template.yaml.tmp"
    with open(partial, "w", encoding="utf-8") as handle:
        handle.write(f"# Written by scripts/package.py from {os.path.relpath(template_path, build_dir)} for "
                     f"{architecture}; do not edit.\n")
        yaml.serialize(root, handle, Dumper=TemplateDumper, width=4096, allow_unicode=True)
    os.replace(partial, output)
    lines.append(f"package template -> {output} ({len(functions)} functions, {len(layers)} layers, {architecture})")
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--architecture", required=True, choices=sorted(MACHINES))
    parser.add_argument("--target-dir", required=True, type=pathlib.Path,
                        help="CARGO_TARGET_DIR of make lambda-build (bootstraps in <dir>/lambda/<binary>/)")
    parser.add_argument("--lambdas", help="the binaries make lambda-build builds (space-separated); each must be a "
                                          "function of the template and each function one of them")
    parser.add_argument("--template", type=pathlib.Path, default=ROOT / "infra" / "template.yaml")
    parser.add_argument("--build-dir", type=pathlib.Path, default=ROOT / ".aws-sam" / "build")
    args = parser.parse_args()
    template, build_dir = args.template.resolve(), args.build_dir.resolve()
    # A failed run must not leave an older packaged template behind for `sam deploy` to pick up.
    stale = build_dir / "template.yaml"
    if stale.exists():
        stale.unlink()
    try:
        lambdas = args.lambdas.split() if args.lambdas is not None else None
        lines = package(template, args.target_dir.resolve(), build_dir, args.architecture, lambdas)
    except PackageError as error:
        for line in str(error).splitlines():
            print(f"package: {line}", file=sys.stderr)
        print(f"package: FAILED, nothing to deploy in {build_dir}", file=sys.stderr)
        return 1
    except (OSError, yaml.YAMLError) as error:
        print(f"package: {error}", file=sys.stderr)
        print(f"package: FAILED, nothing to deploy in {build_dir}", file=sys.stderr)
        return 1
    for line in lines:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
