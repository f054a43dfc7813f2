"""The one list component: sort by any shown column, search, filter, paginate and export, the state in the URL.

A list is declared once as a `ListSpec`: its columns (a label, the SQL expression it sorts by, the value a cell
and the export show), the columns its search looks in, its filters. A view reads the request's query string into a
`ListState` (`spec.read(request.args)`), refines the list's base query with it (`spec.query(base, state, ctx)`:
filters, search, order) and shows one page of it (`spec.listing(base, ctx)`); the export runs the same query
without the page (`listing.rows()`), so the file holds exactly the filtered, sorted list.

Everything a list shows is in its query string (`q`, `sort`, `dir`, `page`, `per_page`, one argument per filter),
so a list is bookmarkable, the back button works and no script is needed: headers are links (with `aria-sort`),
the filters a GET form (`templates/_macros/lists.html`). What the query string holds that the list cannot use (an
unknown sort key, a negative page, a page size out of bounds, a value no filter offers) is ignored, and the page
says which settings were ignored; nothing typed there reaches SQL but as a bound parameter.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import Response, abort, current_app, request, url_for
from flask_babel import gettext as _
from flask_sqlalchemy.pagination import Pagination, SelectPagination

from fundmgr.db import db
from fundmgr.exports import Sheet, csv_bytes, download, xlsx_bytes
from fundmgr.web import db_int

# The arguments every list reads; a filter is never named like one of them.
RESERVED = frozenset({"q", "sort", "dir", "page", "per_page"})
DIRECTIONS = ("asc", "desc")
MAX_PAGE_SIZE = 100  # a larger page is refused (the default size is kept): a page is read, not downloaded
PAGE_SIZES = (10, 25, 50, 100)  # offered in the page-size menu
MAX_TEXT = 200  # search and filter texts are cut there
EXPORT_LIMIT = 50_000  # rows in one export at most


def like_pattern(text: str) -> str:
    """A LIKE pattern that finds the text as typed: % and _ are searched for, not wildcards (escape "\\")."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def contains(expression: Any, text: str) -> sa.ColumnElement[bool]:
    """The expression holds the text, whatever its case."""
    return expression.ilike(like_pattern(text), escape="\\")


def enum_order(column: Any, enum: Any) -> Callable[[], tuple[Any, ...]]:
    """A column of an enum sorted in the enum's declared order (a cycle's), not the alphabet's."""
    return lambda: (sa.case(*[(column == member, n) for n, member in enumerate(enum)], else_=99),)


def scalar(column: Any, key: Any, where: Any) -> Callable[[], tuple[Any, ...]]:
    """A value of another table as a sort expression (a correlated subquery), built when first sorted by:
    `scalar(Organization.code, Organization.id, Proposal.lead_organization_id)`."""
    return lambda: (sa.select(column).where(key == where).scalar_subquery(),)


def may_be_empty(expression: Any) -> bool:
    """Whether a sort expression may be NULL (a column declared NOT NULL never is): only those say where empty values
    go, so that a NOT NULL column's order is the plain one an index on it reads in order."""
    return getattr(getattr(expression, "expression", expression), "nullable", True) is not False


@dataclass(frozen=True)
class Column:
    """One column of a list.

    `sort`: the SQL expressions it is ordered by (None: not sortable), or a function giving them (a subquery, built
    when first used: at import the models are not all mapped yet); `first`: the direction a click on its header
    sorts first (dates and amounts are most useful largest first); `reversible`: False for an order that means
    something one way only (a pipeline whose fundability is taken in ranking order: another direction is ignored and
    the page says so); `value(row)`: what its cell shows and the export writes (a template may show more, through the
    table's `caller`); `shown`: a column of the page (else export or sort only); `exported`: a column of the export;
    `label_hidden`: its header is for screen readers only (a column of buttons, which speak for themselves)."""

    key: str
    label: Any
    sort: tuple[Any, ...] | Callable[[], tuple[Any, ...]] | None = None
    value: Callable[[Any], Any] | None = None
    first: str = "asc"
    reversible: bool = True
    shown: bool = True
    exported: bool = True
    css: str = ""
    label_hidden: bool = False

    @property
    def sortable(self) -> bool:
        return self.sort is not None

    def order(self) -> tuple[Any, ...]:
        return self.sort() if callable(self.sort) else self.sort or ()


@dataclass(frozen=True)
class Filter:
    """One filter: `apply(query, value, ctx)` narrows the query; `choices(ctx)` its options (a select), else a text
    box; `valid(value)` says whether a value can be used (else it is ignored and the page says so); `aliases`: other
    names the query string may give it (links written before it was named so)."""

    name: str
    label: Any
    apply: Callable[[sa.Select, str, Any], sa.Select]
    choices: Callable[[Any], Sequence[tuple[str, str]]] | None = None
    valid: Callable[[str], bool] | None = None
    aliases: tuple[str, ...] = ()
    maxlength: int = MAX_TEXT


def enum_filter(name: str, label: Any, column: Any, enum: Any, *, aliases: tuple[str, ...] = ()) -> Filter:
    """A filter on an enum column: a select of the enum's members by their titles."""
    return Filter(name, label, lambda q, v, _ctx: q.where(column == enum(v)),
                  lambda _ctx: [(m.value, str(m.title)) for m in enum],
                  valid=lambda v: v in enum._value2member_map_, aliases=aliases)  # fmt: skip


@dataclass(frozen=True)
class ListSpec:
    """A list, declared: its columns, searched columns, filters, default order and tie-break (ids, so pages never
    repeat or skip a row), and the names an old link may give its sorts (`sort_aliases`: "total-desc" ->
    ("total", "desc"))."""

    name: str
    columns: tuple[Column, ...]
    default_sort: str
    tiebreak: tuple[Any, ...]
    search: tuple[Any, ...] = ()
    search_label: Any = None
    filters: tuple[Filter, ...] = ()
    sort_aliases: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        keys = [c.key for c in self.columns]
        assert len(keys) == len(set(keys)), f"{self.name}: two columns share a key"
        assert self.column(self.default_sort).sortable, f"{self.name}: the default sort is not a sortable column"
        names = [f.name for f in self.filters] + [a for f in self.filters for a in f.aliases]
        assert not RESERVED & set(names), f"{self.name}: a filter is named like a list argument"
        assert len(names) == len(set(names)), f"{self.name}: two filters share a name"

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    @property
    def shown(self) -> list[Column]:
        return [c for c in self.columns if c.shown]

    @property
    def sortable(self) -> list[Column]:
        return [c for c in self.columns if c.sortable]

    @property
    def exported(self) -> list[Column]:
        return [c for c in self.columns if c.exported]

    # --- the query string ---

    def read(self, args: Mapping[str, Any]) -> ListState:
        """The list's state from a query string (or any mapping of names to texts); what cannot be used is ignored,
        its name kept in `ignored` for the page to say so."""
        ignored: list[str] = []

        def text(name: str) -> str:
            value = args.get(name)
            return value.strip()[:MAX_TEXT] if isinstance(value, str) else ""

        values: dict[str, str] = {}
        for spec in self.filters:
            name = next((n for n in (spec.name, *spec.aliases) if text(n)), spec.name)
            value = text(name)[: spec.maxlength]
            if value and spec.valid is not None and not spec.valid(value):
                ignored.append(name)
                value = ""
            if value:
                values[spec.name] = value
        sort, direction = text("sort"), text("dir")
        if sort in self.sort_aliases:
            sort, aliased = self.sort_aliases[sort]
            direction = direction or aliased
        if sort and not any(c.key == sort for c in self.sortable):
            ignored.append("sort")
            sort = ""
        sort = sort or self.default_sort
        column = self.column(sort)
        if direction and (direction not in DIRECTIONS or (not column.reversible and direction != column.first)):
            ignored.append("dir")
            direction = ""
        direction = direction or column.first
        page = number(text("page"))
        if text("page") and (page is None or page < 1):
            ignored.append("page")
        per_page = number(text("per_page"))
        if text("per_page") and (per_page is None or not 1 <= per_page <= MAX_PAGE_SIZE):
            ignored.append("per_page")
            per_page = None
        return ListState(self, text("q"), values, sort, direction, max(page or 1, 1), per_page, ignored)

    def state(self, **args: str) -> ListState:
        """A state from keyword arguments: `PROPOSALS.state(status="submitted", sort="total-desc")`."""
        return self.read(args)

    # --- the query ---

    def narrow(self, base: sa.Select, state: ListState, ctx: Any = None) -> sa.Select:
        """The base query narrowed by the state's filters and search (in no order)."""
        query = base
        for spec in self.filters:
            if state.values.get(spec.name):
                query = spec.apply(query, state.values[spec.name], ctx)
        if state.q and self.search:
            query = query.where(sa.or_(*(contains(expression, state.q) for expression in self.search)))
        return query

    def query(self, base: sa.Select, state: ListState, ctx: Any = None, *, mirrored: bool = False) -> sa.Select:
        """The base query narrowed by the state's filters and search, in its order (the tie-break last); `mirrored`:
        in exactly the reverse order (empty values first), to read a page near the end from the end."""
        query = self.narrow(base, state, ctx)
        descending = (state.direction == "desc") != mirrored
        empty_at = sa.nulls_first if mirrored else sa.nulls_last
        order = [
            empty_at(e.desc() if descending else e.asc()) if may_be_empty(e) else e.desc() if descending else e.asc()
            for e in self.column(state.sort).order()
        ]
        order += [e.desc() if descending else e.asc() for e in self.tiebreak]
        return query.order_by(*order)

    def listing(self, base: sa.Select, ctx: Any = None, args: Mapping[str, Any] | None = None) -> Listing:
        """The request's page of the list."""
        state = self.read(request.args if args is None else args)
        return Listing(self, state, self.query(base, state, ctx), ctx, self.query(base, state, ctx, mirrored=True))


class NearerEndPagination(SelectPagination):
    """A page of a list read from the nearer end: counted first, a page past the middle is read in the list's
    reverse order (the `mirrored` query) with the smaller offset from the end, then put back in order. The last page
    of a long list then costs what its first does, not an OFFSET over every row before it."""

    def _query_items(self) -> list[Any]:
        self._total: int = super()._query_count()
        offset, size, mirrored = self._query_offset, self.per_page, self._query_args["mirrored"]
        from_end = self._total - offset - size  # the rows after this page
        if mirrored is None or offset >= self._total or from_end >= offset:
            return super()._query_items()
        rows = db.session.execute(mirrored.limit(size + min(from_end, 0)).offset(max(from_end, 0))).unique()
        return list(rows.scalars())[::-1]

    def _query_count(self) -> int:
        return self._total


class SlicePagination(Pagination):
    """A page of a list read whole as plain rows, in order (ids with their ranks: a ranking the database computes
    over every row, which a count and a page would each compute again): the page is a slice of the rows, whose items
    `load(rows)` gives (the page's objects, loaded by id)."""

    def _query_items(self) -> list[Any]:
        rows, load = self._query_args["rows"], self._query_args["load"]
        return load(rows[self._query_offset : self._query_offset + self.per_page])

    def _query_count(self) -> int:
        return len(self._query_args["rows"])


def is_db_int(text: str) -> bool:
    """The text is a number the database can hold (a filter by id: `valid=is_db_int`)."""
    return number(text) is not None


def number(text: str) -> int | None:
    try:
        return db_int(text) if text else None
    except ValueError:
        return None


@dataclass
class ListState:
    """What a list shows: its search, filter values, sort key and direction, page and page size (None: the
    installation's PAGE_SIZE). Arguments equal to the defaults stay out of its URLs."""

    spec: ListSpec = field(repr=False)
    q: str = ""
    values: dict[str, str] = field(default_factory=dict)
    sort: str = ""
    direction: str = "asc"
    page: int = 1
    per_page: int | None = None
    ignored: list[str] = field(default_factory=list, compare=False)

    def __getitem__(self, name: str) -> str:
        """A filter's value ("" when not set), for templates: `state['status']`."""
        return self.values.get(name, "")

    @property
    def size(self) -> int:
        return self.per_page or current_app.config["PAGE_SIZE"]

    @property
    def active(self) -> bool:
        """Narrowed by a search or a filter (what "Clear the filters" undoes)."""
        return bool(self.q or self.values)

    def args(self, **changes: Any) -> dict[str, Any]:
        """The state as query-string arguments, with changes; defaults left out (page 1, the default order)."""
        state = replace(self, **changes)
        args: dict[str, Any] = {}
        if state.q:
            args["q"] = state.q
        args.update(state.values)
        default_direction = self.spec.column(state.sort).first
        if state.sort != self.spec.default_sort or state.direction != default_direction:
            args["sort"] = state.sort
            if state.direction != default_direction:
                args["dir"] = state.direction
        if state.per_page:
            args["per_page"] = state.per_page
        if state.page > 1:
            args["page"] = state.page
        return args

    def url(self, endpoint: str | None = None, **changes: Any) -> str:
        """This list (or its export, `endpoint`: the page's URL arguments, e.g. the call's id, kept) in another
        state."""
        view_args = dict(request.view_args or {})
        view_args.pop("fmt", None)
        extra = {k: changes.pop(k) for k in list(changes) if k not in ListState.__dataclass_fields__}
        return url_for(endpoint or request.endpoint or "pages.home", **view_args, **extra, **self.args(**changes))

    def sort_url(self, key: str) -> str:
        """The header link of a column: sorted by it in its first direction, or the other way when it already is."""
        first = self.spec.column(key).first
        direction = ("desc" if self.direction == "asc" else "asc") if key == self.sort else first
        return self.url(sort=key, direction=direction, page=1)

    def aria_sort(self, key: str) -> str | None:
        """The header's aria-sort: only the column the list is sorted by has one."""
        if key != self.sort:
            return None
        return "ascending" if self.direction == "asc" else "descending"

    @property
    def notice(self) -> str:
        """What the page says when settings of its address were ignored ("" when none were)."""
        if not self.ignored:
            return ""
        return _(
            "Some settings in this page's address could not be used and were ignored: %(names)s.",
            names=", ".join(dict.fromkeys(self.ignored)),
        )


@dataclass
class Listing:
    """One list as a page shows it: the spec, the state, the query; `page` is fetched on first use."""

    spec: ListSpec
    state: ListState
    query: sa.Select
    ctx: Any = None
    mirrored: sa.Select | None = None  # the query in the reverse order (ListSpec.query), for pages near the end
    whole: Sequence[Any] | None = None  # the whole list as plain rows, read once (SlicePagination), and
    load: Callable[[Sequence[Any]], list[Any]] | None = None  # the items of some of them
    _page: Pagination | None = None

    @property
    def page(self) -> Pagination:
        """The state's page; beyond the last page an empty page (its links lead back)."""
        if self._page is None and self.whole is not None:
            self._page = SlicePagination(
                rows=self.whole, load=self.load, page=self.state.page, per_page=self.state.size, max_per_page=None,
                error_out=False,
            )  # fmt: skip
        if self._page is None:
            self._page = NearerEndPagination(
                select=self.query, mirrored=self.mirrored, session=db.session,
                page=self.state.page, per_page=self.state.size, max_per_page=None, error_out=False,
            )  # fmt: skip
        return self._page

    def total(self, name: str) -> Decimal:
        """The sum of an amount column over the whole filtered list (every page, not the one shown), in SQL: a
        total under a list is the total of what its filters keep, to the cent."""
        rows = self.query.order_by(None).subquery()
        return db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(rows.c[name]), 0))) or Decimal("0.00")

    def choices(self, spec: Filter) -> Sequence[tuple[str, str]]:
        return spec.choices(self.ctx) if spec.choices else ()

    def rows(self, limit: int = EXPORT_LIMIT) -> list[Any]:
        """Every row of the filtered, sorted list (no page), for an export."""
        return list(db.session.scalars(self.query.limit(limit)).unique())

    def table(self, rows: Iterable[Any] | None = None) -> tuple[list[Any], list[list[Any]]]:
        """The exported columns' header and values (the list's rows, unless given)."""
        columns = self.spec.exported
        items = self.rows() if rows is None else rows
        return [c.label for c in columns], [[c.value(row) if c.value else "" for c in columns] for row in items]

    def download(self, fmt: str, filename: str, title: str, table: tuple[Sequence[Any], Iterable[Any]] | None = None
                 ) -> Response:  # fmt: skip
        """The list as `filename`.csv or .xlsx: its exported columns, unless the list gives its own table."""
        header, rows = table or self.table()
        header = [str(h) for h in header]
        if fmt == "csv":
            return download(csv_bytes(header, rows), f"{filename}.csv", "csv")
        return download(xlsx_bytes([Sheet(title, header, rows)]), f"{filename}.xlsx", "xlsx")


class ListExport:
    """The export view of a list page, mixed in before the page's view: `class XExport(ListExport, XView)`.

    The page's view gives `listing()` (the request's list, scoped to what the person may see), `export_name()` and
    `export_title`; the URL's `fmt` is csv or xlsx (anything else: 404); a list whose rows need more than its
    columns' values (what one person may see of a row) gives `export_table(listing)`."""

    fmt: str
    methods = ["GET"]

    def load(self, fmt: str, **view_args: Any) -> None:
        if fmt not in ("csv", "xlsx"):
            abort(404)
        self.fmt = fmt
        super().load(**view_args)  # type: ignore[misc]

    def process(self) -> Response:
        listing: Listing = self.listing()  # type: ignore[attr-defined]
        name: str = self.export_name()  # type: ignore[attr-defined]
        table = getattr(self, "export_table", None)
        title = str(self.export_title)  # type: ignore[attr-defined]
        return listing.download(self.fmt, name, title, table(listing) if table else None)
