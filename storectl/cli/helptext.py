"""Help pages for people: what to type (`CODE`, `METHOD=AMOUNT`, `PERIOD`), never a Python type.

Typer labels every parameter by its annotation (`<str>`, `<bool>`, `<list[str]>`). `humanise`
walks a command tree once, when the root or a group is loaded, and gives every parameter a
metavar from its name (an explicit `metavar=` wins), says "repeatable" on options that repeat,
and gives a group without an example the example of its first command.
"""

from __future__ import annotations

# parameter name → what to type. Names not listed fall back on their kind (N for whole numbers).
METAVARS: dict[str, str] = {
    "store": "CODE", "staff": "CODE", "customer": "CODE", "channel": "CODE", "supplier": "CODE",
    "sku": "SKU", "from_": "STORE", "to": "STORE", "referrer": "CODE", "via": "CHANNEL",
    "level": "LEVEL", "group": "GROUP", "category": "CATEGORY", "brand": "BRAND", "role": "ROLE",
    "pay": "METHOD=AMOUNT", "price": "AMOUNT", "cost": "AMOUNT", "credit_limit": "AMOUNT",
    "min_spend": "AMOUNT", "discount": "PERCENT", "multiplier": "FACTOR",
    "period": "PERIOD", "date": "DATE", "since": "DATE", "until": "DATE",
    "file": "FILE", "out": "FILE", "dir": "FOLDER", "db": "FILE|URL", "operator": "CODE",
    "codes": "KIND,KIND", "timezone": "ZONE", "shop_name": "NAME", "name": "NAME", "phone": "PHONE",
    "reason": "REASON", "status": "STATUS", "method": "METHOD", "refund": "METHOD", "ref": "TEXT",
    "items": "ITEM", "units": "CODE", "code": "CODE", "doc": "DOC", "transfer": "TR-ID",
    "amount": "AMOUNT", "delta": "POINTS", "key": "KEY", "value": "VALUE", "kind": "KIND",
    "rule_id": "RULE", "points": "N", "points_": "N",
}
# option-specific overrides where one name means two things
_BY_OPTION = {("price", True): "ITEM=AMOUNT"}


def _metavar(param) -> str:  # noqa: ANN001
    name = param.name or ""
    multiple = bool(getattr(param, "multiple", False))
    if (name, multiple) in _BY_OPTION:
        return _BY_OPTION[(name, multiple)]
    if name in METAVARS:
        return METAVARS[name]
    label = param.display_type(None) if hasattr(param, "display_type") else ""
    if "int" in label:
        return "N"
    return "TEXT"


def humanise_params(params) -> None:  # noqa: ANN001
    for param in params:
        if param.param_type_name == "option" and (getattr(param, "is_flag", False) or getattr(param, "count", False)):
            param.metavar = ""  # a flag takes nothing; say nothing rather than "<bool>"
            continue
        if param.metavar is None:
            param.metavar = _metavar(param)
            if param.param_type_name == "argument" and param.nargs != 1 and "one or more" not in (param.help or ""):
                param.help = ((param.help or "").rstrip() + " One or more.").strip()
        if param.param_type_name == "argument":
            # typer prints an argument's type beside its name even with a metavar: the name says it
            param.display_type_rich = lambda ctx=None: ""
        if getattr(param, "multiple", False) and "repeatable" not in (param.help or "").lower():
            param.help = ((param.help or "").rstrip() + " Repeatable.").strip()


def quiet_help_option(command) -> None:  # noqa: ANN001
    """`--help` is a flag too: no "<bool>" beside it (click makes it lazily, per command)."""
    make = command.get_help_option

    def get_help_option(ctx):  # noqa: ANN001, ANN202
        option = make(ctx)
        if option is not None:
            option.metavar = ""
        return option

    command.get_help_option = get_help_option


def _example(command) -> str | None:  # noqa: ANN001
    for line in (command.help or "").splitlines():
        if line.strip().startswith("Example:"):
            return line.strip()
    for sub in (getattr(command, "commands", None) or {}).values():
        found = _example(sub)
        if found:
            return found
    return None


def humanise(command) -> None:  # noqa: ANN001
    """Give the command and everything under it help pages for people (in place)."""
    humanise_params(command.params)
    quiet_help_option(command)
    subs = getattr(command, "commands", None) or {}
    for sub in subs.values():
        humanise(sub)
    if subs and "Example:" not in (command.help or ""):
        example = _example(command)
        if example:
            command.help = (command.help or command.short_help or "").rstrip() + "\n\n" + example
