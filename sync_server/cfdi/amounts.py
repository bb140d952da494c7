"""A CFDI's concept amounts from the till's own tax split, within SAT's rounding tolerance.

The till splits every line of a tax-included price into base, IEPS and IVA
(``shared.tax.split_included``) and its IVA report adds those splits up (returns subtract
theirs). An invoice must add up to exactly those figures, per rate, to the centavo. SAT, in
turn, checks every concept's tax against its base: the ``Importe`` of a traslado must lie
between ``(Base − ½¢) × tasa`` truncated and ``(Base + ½¢) × tasa`` rounded up (Anexo 20,
CFDI 4.0). One line's split always passes; a sum of several lines' splits (a ticket), or a
line less a return's split, may drift past it.

So the tax of each traslado is chosen within its own tolerance window so that the taxes of all
concepts still add up to the till's: per IVA rate for IVA, per IEPS rate for IEPS. Each concept
keeps its own total (its ticket's, or its line's), so base + IEPS + IVA of every concept and
of the whole invoice are the till's. A ticket is one concept with a traslado per rate it has
(:func:`fit_tickets`). When the windows cannot reach the till's sum (a tiny invoice whose
lines all drifted the same way), it falls back to a concept per ticket and tax key
(:func:`fit_concepts`), splitting one in two where that widens the window enough; the pieces
keep the ticket's folio.

One thing cannot be carried: when every ticket of a rate was returned in full through several
partial returns, the report may show a centavo of base against a centavo less of IVA on a
zero total (each return is split on its own). No concept can hold a negative tax, so such a
residue is left out (:class:`Fit` says what it was). So is, in the same way, a residue the
remaining concepts are too small to carry (a 1-centavo ticket cannot take a centavo of IVA).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from shared.tax import IvaRate, TaxSplit, split_included

_BP = 10_000
_MAX_SPLITS = 200  # far more than any real invoice needs; a guard against a loop
_SPLIT_SEARCH = 400  # sizes (centavos) tried for the small half of a split concept


class AmountsUnfit(Exception):
    """No set of concepts meets both the till's totals and SAT's tolerance (cannot happen
    for an invoice with a positive total per rate; a guard, not a rule)."""


@dataclass(frozen=True, slots=True, order=True)
class TaxKey:
    """How a concept is taxed: its IVA treatment and its IEPS rate (basis points)."""

    iva: IvaRate
    ieps_bp: int = 0


@dataclass(frozen=True, slots=True)
class Group:
    """Lines of one ticket (or one line) taxed alike, with the till's split summed over them
    (sold less returned). Components may be a centavo off either way of a fresh split."""

    ref: str
    key: TaxKey
    split: TaxSplit


@dataclass(frozen=True, slots=True)
class Concept:
    """A concept's amounts: ``split.total == base + ieps + iva``, each tax within tolerance.
    ``part`` numbers the pieces of a group split in two (0 when whole), ``of`` its total."""

    ref: str
    key: TaxKey
    split: TaxSplit
    part: int = 0
    of: int = 0


def add(a: TaxSplit, b: TaxSplit) -> TaxSplit:
    return TaxSplit(a.total + b.total, a.base + b.base, a.ieps + b.ieps, a.iva + b.iva)


def sub(a: TaxSplit, b: TaxSplit) -> TaxSplit:
    return TaxSplit(a.total - b.total, a.base - b.base, a.ieps - b.ieps, a.iva - b.iva)


ZERO = TaxSplit(0, 0, 0, 0)


def net_line(total: int, rate: IvaRate, ieps_bp: int, returned: Iterable[int] = ()) -> TaxSplit:
    """A line as the till's IVA report counts it: its split, less the split of each return."""
    net = split_included(total, rate, ieps_bp)
    for amount in returned:
        net = sub(net, split_included(amount, rate, ieps_bp))
    return net


def group_lines(ref: str, lines: Iterable[tuple[TaxKey, TaxSplit]]) -> list[Group]:
    """One group per tax key of a ticket, its lines' splits added (keys in a stable order)."""
    sums: dict[TaxKey, TaxSplit] = {}
    for key, split in lines:
        sums[key] = add(sums.get(key, ZERO), split)
    return [Group(ref, key, sums[key]) for key in sorted(sums, key=_key_order)]


def _key_order(key: TaxKey) -> tuple[int, int, str]:
    return (-key.iva.basis_points, key.ieps_bp, key.iva.value)


# ---- SAT's tolerance --------------------------------------------------------------------------


def within_tolerance(base: int, tax: int, rate_bp: int) -> bool:
    """Whether ``tax`` (centavos) may be the Importe of a traslado at ``rate_bp`` on ``base``
    (centavos, 2 decimals): between trunc((base − ½¢)·tasa) and ceil((base + ½¢)·tasa)."""
    if base <= 0 or tax < 0:
        return False
    low = ((2 * base - 1) * rate_bp) // (2 * _BP)
    high = -((-(2 * base + 1) * rate_bp) // (2 * _BP))
    return low <= tax <= high


def tax_window(gross: int, rate_bp: int) -> tuple[int, int]:
    """The taxes a concept of tax-included ``gross`` (base + tax) may carry at ``rate_bp``,
    as an interval (it is one: a centavo more tax is a centavo less base)."""
    if gross < 1:
        raise AmountsUnfit("a concept needs a positive amount")
    estimate = gross * rate_bp // (_BP + rate_bp)
    fits = [t for t in range(max(0, estimate - 3), min(gross - 1, estimate + 3) + 1)
            if within_tolerance(gross - t, t, rate_bp)]
    if not fits:  # pragma: no cover - a fresh split is always inside its window
        raise AmountsUnfit(f"no tax fits {gross} at {rate_bp}")
    return fits[0], fits[-1]


# ---- choosing the taxes -----------------------------------------------------------------------


def _assign(grosses: Sequence[int], start: Sequence[int], rate_bp: int,
            target: int) -> list[int] | int:
    """Taxes within each gross's window adding up to ``target``, as close to ``start`` as the
    windows allow; or, when no such taxes exist, how far the windows fall short (signed)."""
    windows = [tax_window(g, rate_bp) for g in grosses]
    low, high = sum(w[0] for w in windows), sum(w[1] for w in windows)
    if target > high:
        return target - high
    if target < low:
        return target - low
    taxes = [min(max(s, lo), hi) for s, (lo, hi) in zip(start, windows, strict=True)]
    diff = target - sum(taxes)
    # Move first the concepts that were held back from where the till had them.
    order = sorted(range(len(taxes)), key=lambda i: -(start[i] - taxes[i]) * (1 if diff > 0 else -1))
    for i in order:
        if diff == 0:
            break
        lo, hi = windows[i]
        step = min(hi - taxes[i], diff) if diff > 0 else max(lo - taxes[i], diff)
        taxes[i] += step
        diff -= step
    return taxes


@dataclass(slots=True)
class _Piece:
    group: int  # index of the group it comes from
    split: TaxSplit  # the till's amounts (a share of them, once split)


@dataclass(frozen=True, slots=True)
class Fit:
    """The concepts, and per IVA rate what of the groups' sums they could not carry (always a
    zero total: a centavo of base against a centavo of tax; see the module's note)."""

    concepts: list[Concept]
    left_out: dict[IvaRate, TaxSplit]


def fit_concepts(groups: Sequence[Group]) -> Fit:
    """Concepts for ``groups`` (in their order; empty groups left out) whose amounts add up, per
    IVA rate and per IEPS rate, to the groups' own sums, and each within SAT's tolerance."""
    pieces = [_Piece(i, g.split) for i, g in enumerate(groups) if g.split.total > 0]
    targets_iva: dict[IvaRate, int] = {}
    targets_ieps: dict[TaxKey, int] = {}
    for g in groups:  # empty groups' rounding residue still counts, carried by the others
        targets_iva[g.key.iva] = targets_iva.get(g.key.iva, 0) + g.split.iva
        targets_ieps[g.key] = targets_ieps.get(g.key, 0) + g.split.ieps
    for _ in range(_MAX_SPLITS):
        outcome = _solve(groups, pieces, targets_iva, targets_ieps)
        if isinstance(outcome, list):
            concepts = _number(groups, pieces, outcome)
            return Fit(concepts, _left_out(groups, concepts))
        problem, which, shortfall = outcome
        split = _split_one(groups, pieces, problem, which, shortfall)
        if split is not None:
            pieces = split
        elif problem == "iva":  # nothing left to widen: leave the residue out
            assert isinstance(which, IvaRate)
            targets_iva[which] -= shortfall
        else:
            assert isinstance(which, TaxKey)
            targets_ieps[which] -= shortfall
    raise AmountsUnfit("too many splits")


def _left_out(groups: Sequence[Group], concepts: Sequence[Concept]) -> dict[IvaRate, TaxSplit]:
    wanted: dict[IvaRate, TaxSplit] = {}
    for g in groups:
        wanted[g.key.iva] = add(wanted.get(g.key.iva, ZERO), g.split)
    got = totals_by_rate(concepts)
    out = {rate: sub(s, got.get(rate, ZERO)) for rate, s in wanted.items()}
    return {rate: s for rate, s in out.items() if s != ZERO}


def _solve(groups: Sequence[Group], pieces: list[_Piece], targets_iva: dict[IvaRate, int],
           targets_ieps: dict[TaxKey, int]) -> list[TaxSplit] | tuple[str, object, int]:
    """Every piece's amounts, or which problem fell short: ("iva", rate, shortfall) or
    ("ieps", key, shortfall)."""
    iva = [0] * len(pieces)
    for rate, target in targets_iva.items():
        idx = [i for i, p in enumerate(pieces) if groups[p.group].key.iva is rate]
        if not idx:  # only fully returned tickets: a residue no concept can carry (see above)
            continue
        got = _assign([pieces[i].split.total for i in idx], [pieces[i].split.iva for i in idx],
                      rate.basis_points, target)
        if isinstance(got, int):
            return ("iva", rate, got)
        for i, tax in zip(idx, got, strict=True):
            iva[i] = tax
    ieps = [0] * len(pieces)
    for key, target in targets_ieps.items():
        idx = [i for i, p in enumerate(pieces) if groups[p.group].key == key]
        if not idx:
            continue
        got = _assign([pieces[i].split.total - iva[i] for i in idx],
                      [pieces[i].split.ieps for i in idx], key.ieps_bp, target)
        if isinstance(got, int):
            return ("ieps", key, got)
        for i, tax in zip(idx, got, strict=True):
            ieps[i] = tax
    return [TaxSplit(p.split.total, p.split.total - iva[i] - ieps[i], ieps[i], iva[i])
            for i, p in enumerate(pieces)]


def _split_one(groups: Sequence[Group], pieces: list[_Piece], problem: str, which: object,
               shortfall: int) -> list[_Piece] | None:
    """Split the piece whose halves widen the short problem's window the most."""
    up = shortfall > 0
    best: tuple[int, int, int] | None = None  # (gain, piece index, size of the small half)
    for i, p in enumerate(pieces):
        key = groups[p.group].key
        if (problem == "iva" and key.iva is not which) or (problem == "ieps" and key != which):
            continue
        for small in range(1, min(p.split.total, _SPLIT_SEARCH + 1)):
            gain = _gain(key, problem, p.split, small, up)
            if gain > 0 and (best is None or gain > best[0]):
                best = (gain, i, small)
        if best is not None and best[0] >= abs(shortfall):
            break
    if best is None:
        return None
    _, i, small = best
    p = pieces[i]
    key = groups[p.group].key
    half = split_included(small, key.iva, key.ieps_bp)
    return [*pieces[:i], _Piece(p.group, half), _Piece(p.group, sub(p.split, half)),
            *pieces[i + 1:]]


def _gain(key: TaxKey, problem: str, whole: TaxSplit, small: int, up: bool) -> int:
    """How much wider (in the needed direction) the window gets if ``whole`` is split off
    ``small`` centavos; for IEPS, on the halves' amounts before IVA as the till split them."""
    half = split_included(small, key.iva, key.ieps_bp)
    rest = sub(whole, half)
    if problem == "iva":
        rate, grosses = key.iva.basis_points, (whole.total, half.total, rest.total)
    else:
        rate = key.ieps_bp
        grosses = (whole.total - whole.iva, half.total - half.iva, rest.total - rest.iva)
    if min(grosses) < 1:
        return 0
    w, a, b = (tax_window(g, rate) for g in grosses)
    return (a[1] + b[1] - w[1]) if up else (w[0] - a[0] - b[0])


def _number(groups: Sequence[Group], pieces: list[_Piece],
            amounts: list[TaxSplit]) -> list[Concept]:
    counts: dict[int, int] = {}
    for p in pieces:
        counts[p.group] = counts.get(p.group, 0) + 1
    seen: dict[int, int] = {}
    out = []
    for p, split in zip(pieces, amounts, strict=True):
        g = groups[p.group]
        n = counts[p.group]
        seen[p.group] = seen.get(p.group, 0) + 1
        concept = Concept(g.ref, g.key, split)
        out.append(replace(concept, part=seen[p.group], of=n) if n > 1 else concept)
    return out


def totals_by_rate(concepts: Iterable[Concept]) -> dict[IvaRate, TaxSplit]:
    """Sums per IVA rate, as the till's IVA report shows them (to compare)."""
    out: dict[IvaRate, TaxSplit] = {}
    for c in concepts:
        out[c.key.iva] = add(out.get(c.key.iva, ZERO), c.split)
    return out


# ---- one concept per ticket -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Taxed:
    """A concept's amounts: its base (Importe) and each traslado's (rate, base, tax); IVA base
    includes the IEPS, as the law has it. ``total`` is what the customer paid for it."""

    base: int
    iva: tuple[tuple[IvaRate, int, int], ...]
    ieps: tuple[tuple[int, int, int], ...] = ()

    @property
    def total(self) -> int:
        return self.base + sum(t for _, _, t in self.iva) + sum(t for _, _, t in self.ieps)

    @classmethod
    def of(cls, key: TaxKey, split: TaxSplit) -> Taxed:
        ieps = ((key.ieps_bp, split.base, split.ieps),) if key.ieps_bp else ()
        return cls(split.base, ((key.iva, split.base + split.ieps, split.iva),), ieps)


@dataclass(frozen=True, slots=True)
class TicketConcept:
    ref: str
    taxed: Taxed
    part: int = 0  # pieces of one ticket split in several concepts: 1, 2…; 0 when whole
    of: int = 0


@dataclass(frozen=True, slots=True)
class TicketFit:
    concepts: list[TicketConcept]
    left_out: dict[IvaRate, TaxSplit]


def fit_tickets(tickets: Sequence[tuple[str, Sequence[tuple[TaxKey, TaxSplit]]]]) -> TicketFit:
    """One concept per ticket with one traslado per IVA rate and per IEPS rate in it, each tax
    within its window, all adding up to the tickets' own sums (per IVA rate; IEPS per rate).
    The few invoices where that cannot be (a handful of tickets whose lines all drifted one
    way) fall back to :func:`fit_concepts`: a concept per ticket and tax key, split if need be."""
    iva_x: dict[tuple[int, IvaRate], list[int]] = {}
    ieps_x: dict[tuple[int, int], list[int]] = {}
    target_iva: dict[IvaRate, int] = {}
    target_ieps: dict[int, int] = {}
    for i, (_, lines) in enumerate(tickets):
        for key, s in lines:
            target_iva[key.iva] = target_iva.get(key.iva, 0) + s.iva
            g = iva_x.setdefault((i, key.iva), [0, 0])
            g[0], g[1] = g[0] + s.total, g[1] + s.iva
            if key.ieps_bp:
                target_ieps[key.ieps_bp] = target_ieps.get(key.ieps_bp, 0) + s.ieps
                h = ieps_x.setdefault((i, key.ieps_bp), [0, 0])
                h[0], h[1] = h[0] + s.base + s.ieps, h[1] + s.ieps
    iva = _solve_keyed(iva_x, target_iva, lambda r: r.basis_points)
    ieps = _solve_keyed(ieps_x, target_ieps, lambda bp: bp) if iva is not None else None
    if iva is None or ieps is None:
        return _per_key(tickets)
    per_ticket: dict[int, tuple[list[tuple[IvaRate, int, int]], list[tuple[int, int, int]]]] = {}
    for (i, rate), tax in iva.items():
        per_ticket.setdefault(i, ([], []))[0].append((rate, iva_x[(i, rate)][0] - tax, tax))
    for (i, bp), tax in ieps.items():
        per_ticket.setdefault(i, ([], []))[1].append((bp, ieps_x[(i, bp)][0] - tax, tax))
    out = []
    for i, (ref, lines) in enumerate(tickets):
        if sum(s.total for _, s in lines) <= 0:
            continue
        found = per_ticket.get(i, ([], []))
        ivas, iepss = tuple(found[0]), tuple(found[1])
        base = sum(b for _, b, _ in ivas) - sum(t for _, _, t in iepss)
        if base <= 0 or any(b <= 0 for _, b, _ in ivas + iepss):
            return _per_key(tickets)
        out.append(TicketConcept(ref, Taxed(base, ivas, iepss)))
    return TicketFit(out, {})


def _solve_keyed(groups: dict[tuple[int, Any], list[int]], targets: dict[Any, int],
                 rate_of: Any) -> dict[tuple[int, Any], int] | None:
    """Taxes per (ticket, key) within their windows adding up per key; None if impossible."""
    out: dict[tuple[int, Any], int] = {}
    by_key: dict[Any, list[tuple[int, Any]]] = {}
    for g, (x, _) in groups.items():
        if x > 0:
            by_key.setdefault(g[1], []).append(g)
    for key, target in targets.items():
        idx = by_key.get(key, [])
        if not idx:
            if target:
                return None
            continue
        got = _assign([groups[g][0] for g in idx], [groups[g][1] for g in idx], rate_of(key), target)
        if isinstance(got, int):
            return None
        out.update(zip(idx, got, strict=True))
    return out


def _per_key(tickets: Sequence[tuple[str, Sequence[tuple[TaxKey, TaxSplit]]]]) -> TicketFit:
    fit = fit_concepts([g for ref, lines in tickets for g in group_lines(ref, lines)])
    return TicketFit([TicketConcept(c.ref, Taxed.of(c.key, c.split), c.part, c.of)
                      for c in fit.concepts], fit.left_out)


def within_window(taxed: Taxed) -> bool:
    """Every traslado of a concept within SAT's tolerance, and its parts positive."""
    return taxed.base > 0 and all(
        b > 0 and (r is IvaRate.EXENTO and t == 0 or within_tolerance(b, t, r.basis_points))
        for r, b, t in taxed.iva) and all(b > 0 and within_tolerance(b, t, bp)
                                          for bp, b, t in taxed.ieps)
