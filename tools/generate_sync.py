"""Write lambda_es/_sync.py, the blocking ``Client``, from lambda_es/_client.py.

    python tools/generate_sync.py            # (re)write lambda_es/_sync.py
    python tools/generate_sync.py --check    # exit 1 with a diff if it is stale

``_client.py`` is read with :mod:`ast`, never imported, so the generator works
on whatever the file holds, even mid-edit. For every public coroutine method
of ``AsyncClient`` it writes a blocking method with the same parameters
(names, kinds, defaults and annotations, copied as source text) and the same
docstring, which hands the coroutine to the client's :class:`Runner`. Public
async generators annotated ``AsyncIterator[X]`` become methods returning
``Iterator[X]``; ``__aenter__``/``__aexit__``/``aclose`` become
``__enter__``/``__exit__``/``close``; the constructor takes the same keyword
parameters as ``AsyncClient.__init__``.

Typed ``**settings: Unpack[SomeTypedDict]`` parameters are forwarded as they
are. Anything it cannot map faithfully (a public sync method or attribute, a
decorator, ``*args``, an untyped ``**kwargs``, a positional-only parameter, a
missing annotation or docstring, an async generator not annotated
``AsyncIterator``...) stops it with exit status 2 and a message naming the
file and line: a wrong facade is worse than none.

The generator writes plain code (every signature and call one argument per
line, with a magic trailing comma) and leaves import order and layout to
ruff (``tools/generated.py``), with the project's configuration, so the
output is what ``ruff format`` and ``ruff check`` expect and the two never
disagree.
"""

from __future__ import annotations

import argparse
import ast
import builtins
import re
import sys
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from generated import RuffError, format_source, write_or_check

__all__ = ["GenerateError", "generate", "main"]

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "lambda_es" / "_client.py"
OUTPUT = ROOT / "lambda_es" / "_sync.py"

ASYNC_CLASS = "AsyncClient"
SYNC_CLASS = "Client"
INDENT = "    "

#: Constructor parameters the blocking client refuses (when not None), and why:
#: an aiohttp session belongs to the loop that made it, never the runner's.
LOOP_BOUND_PARAMS = {
    "session": (
        "the blocking Client runs its own event loop and an aiohttp.ClientSession",
        "belongs to the loop that made it; share a session with AsyncClient instead",
    ),
}

#: Names the generated module defines or imports for itself.
RESERVED = frozenset({"functools", "Runner", "Iterator", "ParamValidationError", SYNC_CLASS})

_DUNDER_MAP = {"__aenter__": "__enter__", "__aexit__": "__exit__", "aclose": "close"}
#: Names the blocking client defines itself; a coroutine of that name would clash.
_GENERATED = frozenset({*_DUNDER_MAP.values(), "__init__", "__repr__"})


class GenerateError(Exception):
    """The source holds a construct the generator cannot map.

    Args:
        path: the source file's display name.
        node: the offending node, for its line number (or None).
        message: what is wrong and what to do about it.
    """

    def __init__(self, path: str, node: ast.AST | None, message: str) -> None:
        line = getattr(node, "lineno", None)
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {message}")


# -- reading the source ---------------------------------------------------------


@dataclass(frozen=True)
class Binding:
    """Where a module-level name of the source comes from.

    Attributes:
        module: ``"aiohttp"``, ``"._service_model"``, ``"collections.abc"``...
        name: the imported member, or None for ``import module``.
        asname: the local alias, if any.
        block: the line of the top-level ``if`` the import sits in (such as
            ``if sys.version_info >= (3, 11):``), which is then copied whole.
    """

    module: str
    name: str | None = None
    asname: str | None = None
    block: int | None = None


@dataclass(frozen=True)
class Block:
    """A top-level ``if`` of the source that imports names.

    Attributes:
        text: its source text.
        binds: the names it imports, in any branch.
        uses: the names its conditions read (``sys``, ``TYPE_CHECKING``).
    """

    text: str
    binds: frozenset[str]
    uses: frozenset[str]


@dataclass(frozen=True)
class Param:
    """One parameter: its kind and its source text (``name: T = default``).

    Attributes:
        name: the parameter's name.
        kind: ``"positional"`` (or keyword), ``"keyword"`` (only) or ``"var_keyword"``.
        text: the source text, with ``**`` for a var-keyword parameter.
    """

    name: str
    kind: str
    text: str


@dataclass(frozen=True)
class Method:
    """One method of the sync class to write.

    Attributes:
        name: the sync method's name.
        async_name: the AsyncClient method it wraps.
        kind: ``"call"``, ``"iterate"``, ``"enter"``, ``"exit"`` or ``"close"``.
        params: the parameters after ``self``.
        returns: the return annotation's source text, mapped.
        docstring: the docstring's source text (quotes included), or None.
    """

    name: str
    async_name: str
    kind: str
    params: tuple[Param, ...]
    returns: str
    docstring: str | None


@dataclass
class Model:
    """Everything the writer needs, read from the source."""

    class_doc: str
    init_params: tuple[Param, ...]
    methods: list[Method]
    names: set[str] = field(default_factory=set)


class _Reader:
    def __init__(self, source: str, path: str) -> None:
        self.source = source
        self.path = path
        self.module = ast.parse(source, filename=path)
        self.names: set[str] = set()

    def fail(self, node: ast.AST | None, message: str) -> GenerateError:
        return GenerateError(self.path, node, message)

    def segment(self, node: ast.AST) -> str:
        text = ast.get_source_segment(self.source, node)
        if text is None:  # pragma: no cover - every parsed node has a position
            raise self.fail(node, "cannot locate the source text")
        return text

    def collect_names(self, node: ast.AST, *, annotation: bool = True) -> None:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name):
                self.names.add(sub.id)
            elif annotation and isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                # A string annotation ("EventSourceMapping") names things too;
                # a string default ("Enabled") does not.
                try:
                    inner = ast.parse(sub.value, mode="eval")
                except SyntaxError:
                    continue
                self.collect_names(inner)

    def find_class(self) -> ast.ClassDef:
        for node in self.module.body:
            if isinstance(node, ast.ClassDef) and node.name == ASYNC_CLASS:
                if node.bases or node.keywords or node.decorator_list:
                    raise self.fail(
                        node,
                        f"{ASYNC_CLASS} has bases, keywords or decorators; the generator reads "
                        "only the class's own body and would miss inherited methods",
                    )
                return node
        raise self.fail(None, f"no top-level class {ASYNC_CLASS}")

    def read(self) -> Model:
        cls = self.find_class()
        class_doc = ast.get_docstring(cls, clean=True)
        if not class_doc:
            raise self.fail(cls, f"{ASYNC_CLASS} has no docstring")
        if '"""' in class_doc or "\\" in class_doc:
            raise self.fail(cls, f"the {ASYNC_CLASS} docstring has triple quotes or backslashes")
        init: tuple[Param, ...] | None = None
        methods: list[Method] = []
        seen_close = False
        for index, node in enumerate(cls.body):
            if index == 0 and _is_docstring(node):
                continue
            if isinstance(node, ast.Pass):
                continue
            if isinstance(node, (ast.Assign, ast.AnnAssign)):
                self.check_private_assignment(node)
                continue
            if isinstance(node, ast.FunctionDef):
                if node.name == "__init__":
                    init = self.parameters(node, allow_positional=False)
                    self.returns(node, expect="None")
                elif node.name == "__repr__" or _is_private(node.name):
                    continue
                else:
                    raise self.fail(
                        node,
                        f"{ASYNC_CLASS}.{node.name} is a public synchronous method; the "
                        "generator maps only coroutines (make it private, or teach "
                        "tools/generate_sync.py what its blocking twin is)",
                    )
                continue
            if isinstance(node, ast.AsyncFunctionDef):
                method = self.async_method(node)
                if (
                    method is not None
                    and method.kind in ("call", "iterate")
                    and method.name in _GENERATED
                ):
                    raise self.fail(
                        node,
                        f"{ASYNC_CLASS}.{node.name} would become a second {method.name}(); "
                        "the blocking client defines that name itself",
                    )
                if method is not None:
                    methods.append(method)
                    seen_close = seen_close or method.kind == "close"
                continue
            raise self.fail(node, f"unexpected {type(node).__name__} in the body of {ASYNC_CLASS}")
        if init is None:
            raise self.fail(cls, f"{ASYNC_CLASS} has no __init__")
        if not seen_close:
            raise self.fail(cls, f"{ASYNC_CLASS} has no aclose(); the blocking client needs one")
        for param in init:
            if param.name in RESERVED:
                raise self.fail(
                    cls, f"__init__ parameter {param.name!r} clashes with a generated name"
                )
        return Model(class_doc, init, methods, self.names)

    def check_private_assignment(self, node: ast.Assign | ast.AnnAssign) -> None:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            if not (isinstance(target, ast.Name) and _is_private(target.id)):
                raise self.fail(
                    node,
                    f"public class attribute in {ASYNC_CLASS}; the blocking client would not "
                    "have it (make it private or module-level)",
                )

    def async_method(self, node: ast.AsyncFunctionDef) -> Method | None:
        name = node.name
        if _is_private(name):
            return None
        if node.decorator_list:
            raise self.fail(
                node, f"{ASYNC_CLASS}.{name} is decorated; its blocking twin cannot be derived"
            )
        if name.startswith("__") and name not in _DUNDER_MAP:
            raise self.fail(node, f"{ASYNC_CLASS}.{name}: no blocking counterpart is known")
        docstring = self.docstring(node)
        if name == "__aenter__":
            self.check_body(node, "return self", "__enter__ would simply return self")
            self.parameters(node, allow_positional=False)
            self.returns(node, expect=ASYNC_CLASS)
            return Method("__enter__", name, "enter", (), SYNC_CLASS, docstring)
        if name == "__aexit__":
            self.check_body(node, "await self.aclose()", "__exit__ would simply call close()")
            params = self.parameters(node, allow_positional=True)
            returns = self.returns(node, expect="None")
            return Method("__exit__", name, "exit", params, returns, docstring)
        if docstring is None:
            raise self.fail(node, f"{ASYNC_CLASS}.{name} has no docstring to carry over")
        params = self.parameters(node, allow_positional=True)
        if name == "aclose":
            if params:
                raise self.fail(node, "aclose() must take no parameters")
            return Method("close", name, "close", (), self.returns(node, expect="None"), docstring)
        if _is_generator(node):
            returns = self.iterator_returns(node)
            return Method(name, name, "iterate", params, returns, docstring)
        returns = self.returns(node)
        annotation = node.returns
        if isinstance(annotation, ast.Subscript) and _iterator_name(annotation.value):
            raise self.fail(
                node,
                f"{ASYNC_CLASS}.{name} is a coroutine that returns an async iterator; "
                "write it as an async generator so its blocking twin can iterate",
            )
        return Method(name, name, "call", params, returns, docstring)

    def docstring(self, node: ast.AsyncFunctionDef) -> str | None:
        if node.body and _is_docstring(node.body[0]):
            return self.segment(node.body[0])
        return None

    def check_body(self, node: ast.AsyncFunctionDef, expected: str, why: str) -> None:
        body = node.body[1:] if node.body and _is_docstring(node.body[0]) else node.body
        actual = "\n".join(ast.unparse(stmt) for stmt in body)
        if actual != expected:
            raise self.fail(
                node,
                f"{ASYNC_CLASS}.{node.name} does more than `{expected}`, but {why}; "
                "teach tools/generate_sync.py what it should do",
            )

    def parameters(
        self,
        node: ast.FunctionDef | ast.AsyncFunctionDef,
        *,
        allow_positional: bool,
    ) -> tuple[Param, ...]:
        args = node.args
        where = f"{ASYNC_CLASS}.{node.name}"
        if args.posonlyargs:
            raise self.fail(
                node, f"{where} has positional-only parameters, which are not supported"
            )
        if args.vararg is not None:
            raise self.fail(node, f"{where} takes *args; use named, typed parameters")
        if args.kwarg is not None and not _is_unpack(args.kwarg.annotation):
            raise self.fail(
                node,
                f"{where} takes **{args.kwarg.arg} without Unpack[SomeTypedDict]; "
                "use named, typed parameters",
            )
        if not args.args or args.args[0].arg != "self":
            raise self.fail(node, f"{where} must take self first")
        positional = args.args[1:]
        if positional and not allow_positional:
            raise self.fail(node, f"{where} must take keyword-only parameters")
        defaults: list[ast.expr | None] = [None] * (len(args.args) - len(args.defaults))
        defaults += args.defaults
        params = [
            self.param(node, arg, default, kind="positional")
            for arg, default in zip(positional, defaults[1:], strict=True)
        ]
        params += [
            self.param(node, arg, default, kind="keyword")
            for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True)
        ]
        if args.kwarg is not None:
            params.append(self.param(node, args.kwarg, None, kind="var_keyword"))
        return tuple(params)

    def param(
        self,
        node: ast.FunctionDef | ast.AsyncFunctionDef,
        arg: ast.arg,
        default: ast.expr | None,
        *,
        kind: str,
    ) -> Param:
        if arg.annotation is None:
            raise self.fail(
                arg, f"{ASYNC_CLASS}.{node.name}: parameter {arg.arg!r} has no annotation"
            )
        if arg.arg in RESERVED:
            raise self.fail(arg, f"parameter {arg.arg!r} clashes with a name the generator uses")
        self.refuse_self_reference(arg.annotation)
        self.collect_names(arg.annotation)
        text = ("**" if kind == "var_keyword" else "") + self.segment(arg)
        if default is not None:
            self.collect_names(default, annotation=False)
            text += " = " + self.segment(default)
        return Param(arg.arg, kind, text)

    def refuse_self_reference(self, annotation: ast.expr) -> None:
        # An async client (or Self) in a blocking signature would hand out an
        # object bound to the runner's loop; quoted annotations count too.
        for sub in ast.walk(annotation):
            names: set[str] = set()
            if isinstance(sub, ast.Name):
                names.add(sub.id)
            elif isinstance(sub, ast.Attribute):
                names.add(sub.attr)
            elif isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                names.update(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", sub.value))
            if names & {ASYNC_CLASS, "Self"}:
                raise self.fail(
                    annotation,
                    f"an annotation names {ASYNC_CLASS} or Self; only __aenter__ may return it",
                )

    def returns(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef, *, expect: str | None = None
    ) -> str:
        if node.returns is None:
            raise self.fail(node, f"{ASYNC_CLASS}.{node.name} has no return annotation")
        text = self.segment(node.returns)
        if expect is not None:
            if text.strip("'\"") != expect:
                raise self.fail(node, f"{ASYNC_CLASS}.{node.name} must return {expect}, not {text}")
            return expect
        self.refuse_self_reference(node.returns)
        self.collect_names(node.returns)
        return text

    def iterator_returns(self, node: ast.AsyncFunctionDef) -> str:
        annotation = node.returns
        if not (isinstance(annotation, ast.Subscript) and _iterator_name(annotation.value)):
            raise self.fail(
                node,
                f"{ASYNC_CLASS}.{node.name} is an async generator; annotate it "
                "AsyncIterator[X] so that its blocking twin can return Iterator[X]",
            )
        self.refuse_self_reference(annotation.slice)
        self.collect_names(annotation.slice)
        self.names.add("Iterator")
        return f"Iterator[{self.segment(annotation.slice)}]"

    def bindings(self) -> tuple[dict[str, Binding], dict[int, Block]]:
        """Map the source's module-level names to where they come from.

        Returns:
            The bindings, and the top-level ``if`` blocks that hold imports.
        """
        found: dict[str, Binding] = {}
        blocks: dict[int, Block] = {}
        package_module = "." + Path(self.path).stem
        for top in self.module.body:
            block = top.lineno if isinstance(top, ast.If) else None
            binds: set[str] = set()
            for node in _flatten(top):
                if isinstance(node, ast.Import):
                    for alias in node.names:
                        local = alias.asname or alias.name.split(".")[0]
                        found[local] = Binding(alias.name, None, alias.asname, block)
                        binds.add(local)
                elif isinstance(node, ast.ImportFrom):
                    module = "." * node.level + (node.module or "")
                    if module == "__future__":
                        continue
                    for alias in node.names:
                        local = alias.asname or alias.name
                        found[local] = Binding(module, alias.name, alias.asname, block)
                        binds.add(local)
                elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    found[node.name] = Binding(package_module, node.name)
                elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    for target in targets:
                        if isinstance(target, ast.Name):
                            found[target.id] = Binding(package_module, target.id)
            if isinstance(top, ast.If) and binds:
                uses: set[str] = set()
                for node in _flatten(top):
                    if isinstance(node, ast.If):
                        uses |= {n.id for n in ast.walk(node.test) if isinstance(n, ast.Name)}
                blocks[top.lineno] = Block(self.segment(top), frozenset(binds), frozenset(uses))
        return found, blocks


def _flatten(node: ast.stmt) -> Iterable[ast.stmt]:
    # The statements of a top-level `if` (a version check, TYPE_CHECKING)
    # count as module level, for bindings.
    yield node
    if isinstance(node, ast.If):
        for child in (*node.body, *node.orelse):
            yield from _flatten(child)


def _is_unpack(annotation: ast.expr | None) -> bool:
    if not isinstance(annotation, ast.Subscript):
        return False
    value = annotation.value
    if isinstance(value, ast.Name):
        return value.id == "Unpack"
    return isinstance(value, ast.Attribute) and value.attr == "Unpack"


def _is_docstring(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _iterator_name(node: ast.expr) -> bool:
    if isinstance(node, ast.Name):
        return node.id == "AsyncIterator"
    return isinstance(node, ast.Attribute) and node.attr == "AsyncIterator"


def _is_generator(node: ast.AsyncFunctionDef) -> bool:
    # A yield inside a nested function or class belongs to that scope.
    stack: list[ast.AST] = list(node.body)
    while stack:
        current = stack.pop()
        if isinstance(current, (ast.Yield, ast.YieldFrom)):
            return True
        if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        stack.extend(ast.iter_child_nodes(current))
    return False


# -- writing the output ----------------------------------------------------------


def _imports(
    model: Model,
    bindings: dict[str, Binding],
    blocks: dict[int, Block],
    path: str,
) -> list[str]:
    own = {
        ASYNC_CLASS: Binding("." + Path(path).stem, ASYNC_CLASS),
        "Runner": Binding("._runner", "Runner"),
        "functools": Binding("functools"),
    }
    if any(m.kind == "iterate" for m in model.methods):
        own["Iterator"] = Binding("collections.abc", "Iterator")
    if any(p.name in LOOP_BOUND_PARAMS for p in model.init_params):
        own["ParamValidationError"] = Binding("._errors", "ParamValidationError")
    needed: set[Binding] = set(own.values())
    used_blocks: set[int] = set()
    pending = sorted(model.names)
    while pending:
        name = pending.pop()
        if name in own:
            if name in bindings and bindings[name] != own[name]:
                raise GenerateError(
                    path, None, f"{name!r} in {path} clashes with a name the generator uses"
                )
            continue
        binding = bindings.get(name)
        if binding is None:
            if not hasattr(builtins, name):
                raise GenerateError(path, None, f"cannot tell where {name!r} comes from")
        elif binding.block is None:
            needed.add(binding)
        elif binding.block not in used_blocks:
            # A conditional import is copied whole, with what its test reads.
            used_blocks.add(binding.block)
            pending.extend(sorted(blocks[binding.block].uses))
    for line in sorted(used_blocks):
        unused = blocks[line].binds - model.names
        if unused:
            raise GenerateError(
                path,
                None,
                f"the `if` block at line {line} also imports {', '.join(sorted(unused))}, "
                "which the blocking client does not use; copying it would leave unused imports",
            )

    # One statement per name, in a stable order; ruff sorts and merges them.
    lines = [""]
    for b in sorted(needed, key=lambda b: (b.module, b.name or "", b.asname or "")):
        if b.name is None:
            lines.append(f"import {b.module}" + (f" as {b.asname}" if b.asname else ""))
        else:
            lines.append(
                f"from {b.module} import {b.name}" + (f" as {b.asname}" if b.asname else "")
            )
    for line in sorted(used_blocks):
        lines += ["", blocks[line].text]
    return lines


def _signature(name: str, params: Sequence[Param], returns: str) -> list[str]:
    # One line, no trailing comma: ruff wraps it only where it is too long, as
    # it does the async source, so short signatures stay short here too.
    parts = ["self"]
    star = False
    for param in params:
        if param.kind == "keyword" and not star:
            parts.append("*")
            star = True
        parts.append(param.text)
    return [f"{INDENT}def {name}({', '.join(parts)}) -> {returns}:"]


def _call(prefix: str, callee: str, first: str, params: Sequence[Param]) -> list[str]:
    # Each argument is passed as the signature takes it: positional ones by
    # position, so that the forwarding call is as short as the source's own.
    spelled = {"positional": "{}", "keyword": "{0}={0}", "var_keyword": "**{}"}
    arguments = [first, *(spelled[p.kind].format(p.name) for p in params)]
    # One line, no trailing comma: ruff wraps it if it is too long.
    return [f"{INDENT * 2}{prefix}{callee}({', '.join(arguments)})"]


def _method(method: Method) -> list[str]:
    lines = _signature(method.name, method.params, method.returns)
    if method.docstring is not None:
        lines.append(INDENT * 2 + method.docstring)
    target = f"{ASYNC_CLASS}.{method.async_name}"
    if method.kind == "call":
        lines += _call("return ", "self._runner.run", target, method.params)
    elif method.kind == "iterate":
        lines += _call("yield from ", "self._runner.iterate", target, method.params)
    elif method.kind == "enter":
        lines.append(f"{INDENT * 2}return self")
    elif method.kind == "exit":
        lines.append(f"{INDENT * 2}self.close()")
    else:
        lines.append(f"{INDENT * 2}self._runner.close()")
    return lines


def _class_doc(model: Model) -> list[str]:
    paragraphs = [
        f"The same operations as :class:`{ASYNC_CLASS}`, without ``await``: each call runs "
        f"the {ASYNC_CLASS}'s coroutine on an event loop that this client owns, in a daemon "
        "thread started by the first call and stopped by :meth:`close` (or ``with``), so "
        "connections are pooled across calls. One client may be shared by many threads, "
        "and called from code that runs an event loop of its own. A client that is never "
        "closed is closed when it is garbage-collected, or at interpreter exit.",
        "The constructor checks its arguments, as the async client's does, and does "
        "nothing else: the loop, its thread and the connections start with the first call.",
    ]
    for param in model.init_params:
        if param.name in LOOP_BOUND_PARAMS:
            paragraphs[-1] += (
                f" ``{param.name}`` is refused: it belongs to another event loop "
                "(share it with an AsyncClient instead)."
            )
    doc = ["A blocking client for Lambda event-source mappings."]
    for paragraph in paragraphs:
        doc += ["", *textwrap.wrap(paragraph, width=84)]
    rest = model.class_doc.split("\n")
    starts = [i for i, line in enumerate(rest) if line.rstrip() in ("Args:", "Arguments:")]
    if starts:
        doc += ["", *_refused_args(rest[starts[0] :])]
    ind = INDENT
    out = [f'{ind}"""{doc[0]}']
    out += [f"{ind}{line}".rstrip() for line in doc[1:]]
    out.append(f'{ind}"""')
    return out


def _refused_args(lines: list[str]) -> list[str]:
    # The async client's description of a loop-bound parameter would be
    # wrong here: the blocking client refuses it.
    out: list[str] = []
    skipping = ""
    for line in lines:
        stripped = line.lstrip()
        indent = line[: len(line) - len(stripped)]
        if skipping and stripped and len(indent) > len(skipping):
            continue
        skipping = ""
        name = stripped.split(":", 1)[0]
        if name in LOOP_BOUND_PARAMS and stripped.startswith(f"{name}:"):
            out.append(f"{indent}{name}: refused unless None (see above).")
            skipping = indent
            continue
        out.append(line)
    return out


def _init(model: Model, package: str) -> list[str]:
    ind = INDENT * 2
    lines = _signature("__init__", model.init_params, "None")
    for param in model.init_params:
        if param.name in LOOP_BOUND_PARAMS:
            first, second = LOOP_BOUND_PARAMS[param.name]
            lines += [
                f"{ind}if {param.name} is not None:",
                f"{ind}{INDENT}raise ParamValidationError(",
                f'{ind}{INDENT * 2}"{param.name}",',
                f'{ind}{INDENT * 2}"{first} "',
                f'{ind}{INDENT * 2}"{second}",',
                f"{ind}{INDENT})",
            ]
    lines += [f"{ind}self._runner: Runner[{ASYNC_CLASS}] = Runner(", f"{ind}{INDENT}self,"]
    if model.init_params:
        lines += [f"{ind}{INDENT}functools.partial(", f"{ind}{INDENT * 2}{ASYNC_CLASS},"]
        lines += [
            f"{ind}{INDENT * 2}**{p.name},"
            if p.kind == "var_keyword"
            else f"{ind}{INDENT * 2}{p.name}={p.name},"
            for p in model.init_params
        ]
        lines.append(f"{ind}{INDENT}),")
    else:
        lines.append(f"{ind}{INDENT}{ASYNC_CLASS},")
    lines += [
        f"{ind}{INDENT}{ASYNC_CLASS}.aclose,",
        f'{ind}{INDENT}name="{package}.{SYNC_CLASS}",',
        f"{ind})",
    ]
    return lines


def render(
    model: Model,
    bindings: dict[str, Binding],
    blocks: dict[int, Block],
    source_name: str,
    package: str,
) -> str:
    """Return the text of the sync module for a model read from the source.

    Args:
        model: what :class:`_Reader` found.
        bindings: where the source's module-level names come from.
        blocks: the source's top-level ``if`` blocks that import names.
        source_name: the source's path as shown in the header.
        package: the package's name, for import sections.

    Returns:
        The module's text, before ruff sorts its imports and formats it.

    Raises:
        GenerateError: a name cannot be imported, or clashes with the generator's.
    """
    out = [
        f"# Generated from {source_name} by tools/generate_sync.py. Do not edit: change"
        f" {source_name} and run `python tools/generate_sync.py`.",
        f'"""{SYNC_CLASS}: the blocking facade over {ASYNC_CLASS}, one method per coroutine.',
        "",
        "Each method hands the coroutine of the same name to the client's own event loop",
        "(see ``_runner.py``) and waits for it; iterators pull one item per round trip.",
        '"""',
        "",
        "from __future__ import annotations",
    ]
    out += _imports(model, bindings, blocks, source_name)
    out += ["", f'__all__ = ["{SYNC_CLASS}"]', "", "", f"class {SYNC_CLASS}:"]
    out += _class_doc(model)
    out += [""]
    out += _init(model, package)
    out += [
        "",
        f"{INDENT}def __repr__(self) -> str:",
        f'{INDENT * 2}return f"<{{type(self).__name__}} {{self._runner.state}}>"',
    ]
    for method in model.methods:
        out.append("")
        out += _method(method)
    return "\n".join(out) + "\n"


def generate(source: Path, *, source_name: str | None = None) -> str:
    """Read an AsyncClient source file and return the sync module's text.

    Args:
        source: the path of the ``_client.py`` to read.
        source_name: how the header names it (default: relative to the repo).

    Returns:
        The generated module.

    Raises:
        GenerateError: the source holds something the generator cannot map.
        OSError: the source cannot be read.
        SyntaxError: the source is not valid Python.
    """
    if source_name is None:
        try:
            source_name = source.resolve().relative_to(ROOT).as_posix()
        except ValueError:
            source_name = source.name
    reader = _Reader(source.read_text(encoding="utf-8"), source_name)
    model = reader.read()
    bindings, blocks = reader.bindings()
    text = render(model, bindings, blocks, source_name, source.resolve().parent.name)
    return format_source(text, source.resolve().parent / OUTPUT.name)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the generator from the command line.

    Args:
        argv: the arguments (default: ``sys.argv[1:]``).

    Returns:
        0 on success; 1 when ``--check`` finds the output stale; 2 when the
        source cannot be mapped.
    """
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="exit 1 with a diff if stale")
    parser.add_argument("--source", type=Path, default=SOURCE, help="the AsyncClient module")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="the module to write")
    args = parser.parse_args(argv)
    try:
        text = generate(args.source)
    except (GenerateError, RuffError) as exc:
        print(f"generate_sync: error: {exc}", file=sys.stderr)
        return 2
    return write_or_check(args.output, text, check=args.check, tool="generate_sync")


if __name__ == "__main__":
    sys.exit(main())
