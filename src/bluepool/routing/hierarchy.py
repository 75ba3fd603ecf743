"""Contraction hierarchy: the index that answers "how long from every node to here" fast.

Building. Nodes are contracted in rounds. Each round takes an independent set of nodes whose
priority (shortcuts they would add minus edges they remove, plus how many neighbours are
already gone) is lower than all their neighbours', removes them, and adds a shortcut
``u -> x`` for every path ``u -> v -> x`` through a removed node ``v`` unless a witness path,
found by a hop-limited search that avoids the removed nodes, is as short. Everything is numpy
arrays: one round is a handful of sorts and joins, never a loop over nodes. Contraction stops
when the remaining graph (the *core*) is small or too dense to be worth contracting.

Querying (PHAST, Delling et al. 2011, with a core). For one destination ``t``:

1. a scipy Dijkstra from ``t`` over the reversed downward edges and the reversed core edges
   settles ``t``'s upward search space and the whole core (the core gets exact distances);
2. a downward sweep visits the contracted nodes from the last round to the first. A round
   is an independent set whose upward edges lead only to later rounds or the core, so each
   round is one vectorised ``min(d[v], w(v, x) + d[x])`` over its edges.

After the sweep ``d[v]`` is the exact shortest time from every node ``v`` to ``t``. The cost
is one small Dijkstra plus a linear pass over the upward edges, in a few dozen numpy calls.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.sparse import csgraph

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
#: Sweep a round whole once more than this share of its nodes is needed.
RESTRICT_FRACTION = 0.25
Progress = Callable[[int, int], None]
"""Called after each round with (nodes contracted so far, nodes in the graph)."""


@dataclass(frozen=True, eq=False)
class Hierarchy:
    """The arrays of a built hierarchy, in the internal order the sweep walks.

    Internal position ``p`` is node ``order[p]``; the core comes first, then the contracted
    nodes from the last round to the first. ``level_starts`` marks where each round begins.
    Position ``n`` is the virtual destination and ``n + 1`` a sentinel that is never reached.
    """

    order: NDArray[np.int32]
    core_size: int
    level_starts: NDArray[np.int64]
    up_indptr: NDArray[np.int64]
    up_heads: NDArray[np.int32]
    up_weights: FloatArray
    search_indptr: NDArray[np.int32]
    search_indices: NDArray[np.int32]
    search_weights: FloatArray
    _position: NDArray[np.int32] = field(init=False, repr=False)
    _search: sp.csr_matrix = field(init=False, repr=False)
    _levels: list[tuple[int, int, int, int, IntArray]] = field(init=False, repr=False)
    _lock: threading.Lock = field(init=False, repr=False)

    def __post_init__(self) -> None:
        n = len(self.order)
        position = np.empty(n, dtype=np.int32)
        position[self.order] = np.arange(n, dtype=np.int32)
        # Own copies of the search arrays: the two arcs of the virtual destination are
        # rewritten in place for every query (under the lock).
        search = sp.csr_matrix(
            (self.search_weights.copy(), self.search_indices.copy(), self.search_indptr.copy()),
            shape=(n + 2, n + 2),
        )
        levels = []
        starts = self.level_starts.tolist()
        for a, b in itertools.pairwise(starts):
            if b <= a:
                continue
            ea = int(self.up_indptr[a - self.core_size])
            eb = int(self.up_indptr[b - self.core_size])
            offsets = self.up_indptr[a - self.core_size : b - self.core_size] - ea
            levels.append((a, b, ea, eb, offsets))
        object.__setattr__(self, "_position", position)
        object.__setattr__(self, "_search", search)
        object.__setattr__(self, "_levels", levels)
        object.__setattr__(self, "_lock", threading.Lock())

    @property
    def node_count(self) -> int:
        return len(self.order)

    @property
    def position(self) -> NDArray[np.int32]:
        """Internal position of each node id."""
        return self._position

    def arrays(self) -> dict[str, NDArray[Any]]:
        """Return the arrays to save (see ``from_arrays``)."""
        return {
            "order": self.order,
            "core_size": np.array(self.core_size),
            "level_starts": self.level_starts,
            "up_indptr": self.up_indptr,
            "up_heads": self.up_heads,
            "up_weights": self.up_weights,
            "search_indptr": self.search_indptr,
            "search_indices": self.search_indices,
            "search_weights": self.search_weights,
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, NDArray[Any]]) -> Hierarchy:
        return cls(
            order=arrays["order"],
            core_size=int(arrays["core_size"]),
            level_starts=arrays["level_starts"],
            up_indptr=arrays["up_indptr"],
            up_heads=arrays["up_heads"],
            up_weights=arrays["up_weights"],
            search_indptr=arrays["search_indptr"],
            search_indices=arrays["search_indices"],
            search_weights=arrays["search_weights"],
        )

    def nbytes(self) -> int:
        return sum(a.nbytes for a in self.arrays().values())

    def times_to(
        self, arrivals: Sequence[tuple[int, float]], sources: NDArray[np.integer[Any]]
    ) -> FloatArray:
        """Return the shortest time in seconds from each source node to a destination.

        The destination is reached from up to two nodes: ``arrivals`` pairs a node id with
        the seconds from that node to the destination (0 when the destination is the node
        itself). ``inf`` means the source cannot reach it.

        Only the upward closure of the sources is swept in the big bottom rounds (RPHAST,
        Delling et al. 2011); rounds where most nodes are needed anyway are swept whole.
        """
        positions = self._position[np.asarray(sources, dtype=np.int64)]
        dist = self._search_from(arrivals)
        needed = np.zeros(len(dist), dtype=bool)
        needed[positions] = True
        restricted: list[tuple[IntArray, IntArray, IntArray]] = []
        whole = len(self._levels)
        for a, b, _, _, _ in reversed(self._levels):
            local = np.flatnonzero(needed[a:b])
            if len(local) > RESTRICT_FRACTION * (b - a):
                break
            whole -= 1
            if len(local) == 0:
                continue
            nodes = local + a
            rel = nodes - self.core_size
            first = self.up_indptr[rel]
            count = self.up_indptr[rel + 1] - first
            edges = _ranges(first, count)
            needed[self.up_heads[edges]] = True
            restricted.append((nodes, edges, np.cumsum(count) - count))
        self._sweep(dist, self._levels[:whole])
        for nodes, edges, offsets in reversed(restricted):
            via = dist[self.up_heads[edges]]
            via += self.up_weights[edges]
            dist[nodes] = np.minimum(dist[nodes], np.minimum.reduceat(via, offsets))
        result: FloatArray = dist[positions]
        return result

    def all_times_to(self, arrivals: Sequence[tuple[int, float]]) -> FloatArray:
        """Return the shortest time from every node (by node id) to a destination."""
        dist = self._search_from(arrivals)
        self._sweep(dist, self._levels)
        result: FloatArray = dist[self._position]
        return result

    def _search_from(self, arrivals: Sequence[tuple[int, float]]) -> FloatArray:
        """Settle the destination's upward search space and the core (one scipy Dijkstra)."""
        if not 1 <= len(arrivals) <= 2:
            raise ValueError("a destination is reached from one or two nodes")
        n = self.node_count
        slots = self._search.indptr[n]
        with self._lock:
            for k in range(2):
                node, seconds = arrivals[k] if k < len(arrivals) else (-1, np.inf)
                self._search.indices[slots + k] = n + 1 if node < 0 else self._position[node]
                self._search.data[slots + k] = seconds
            dist: FloatArray = csgraph.dijkstra(self._search, directed=True, indices=n)
        return dist

    def _sweep(
        self, dist: FloatArray, levels: Sequence[tuple[int, int, int, int, IntArray]]
    ) -> None:
        """Relax whole rounds, top round first: one vectorised min per round."""
        for a, b, ea, eb, offsets in levels:
            via = dist[self.up_heads[ea:eb]]
            via += self.up_weights[ea:eb]
            np.minimum(dist[a:b], np.minimum.reduceat(via, offsets), out=dist[a:b])


def build_hierarchy(
    indptr: NDArray[np.integer[Any]],
    indices: NDArray[np.integer[Any]],
    weights: NDArray[np.floating[Any]],
    *,
    core_size: int = 512,
    max_core_degree: float = 24.0,
    witness_hops: int = 3,
    seed: int = 0,
    progress: Progress | None = None,
) -> Hierarchy:
    """Contract a directed graph (CSR, seconds) into a hierarchy; see the module docstring.

    Contraction stops when at most ``core_size`` nodes remain or the remaining graph's mean
    out-degree passes ``max_core_degree``. The result does not depend on anything but the
    graph and ``seed`` (which only breaks ties between equal priorities).
    """
    n = len(indptr) - 1
    contraction = _Contraction(
        n,
        np.repeat(np.arange(n, dtype=np.int64), np.diff(np.asarray(indptr))),
        np.asarray(indices, dtype=np.int64),
        np.asarray(weights, dtype=np.float64),
        witness_hops=witness_hops,
        seed=seed,
    )
    contraction.run(core_size, max_core_degree, progress)
    return contraction.hierarchy()


class _Contraction:
    """The state of a contraction in progress: the remaining graph and the removed edges."""

    def __init__(
        self,
        n: int,
        tails: IntArray,
        heads: IntArray,
        weights: FloatArray,
        *,
        witness_hops: int,
        seed: int,
    ) -> None:
        self.n = n
        self.hops = witness_hops
        # Ranking needs only an estimate: a direct edge as the only witness.
        self.priority_hops = 1
        self._set_edges(tails, heads, weights)
        self.alive = np.ones(n, dtype=bool)
        self.round_of = np.full(n, -1, dtype=np.int64)
        self.gone_neighbours = np.zeros(n, dtype=np.int64)
        self.tiebreak = np.random.default_rng(seed).permutation(n).astype(np.int64)
        self.removed: list[tuple[IntArray, IntArray, FloatArray]] = []
        self.rounds = 0
        self.priority = np.zeros(n, dtype=np.int64)
        self._update_priority(np.arange(n, dtype=np.int64))

    def _set_edges(self, tails: IntArray, heads: IntArray, weights: FloatArray) -> None:
        """Replace the remaining graph's edges (deduplicated, sorted by tail then head)."""
        self.tails, self.heads, self.weights = _dedupe(self.n, tails, heads, weights)
        self.key = self.tails * self.n + self.heads
        self.start = np.searchsorted(self.tails, np.arange(self.n + 1))

    def run(self, core_size: int, max_core_degree: float, progress: Progress | None) -> None:
        while True:
            alive = int(self.alive.sum())
            if alive <= core_size or len(self.tails) > max_core_degree * alive:
                return
            chosen = self._independent_minima()
            if not chosen.any():
                return
            self._contract(chosen)
            if progress is not None:
                progress(self.n - int(self.alive.sum()), self.n)

    def _independent_minima(self) -> NDArray[np.bool_]:
        """Return the alive nodes whose priority is below every neighbour's."""
        key = self.priority * self.n + self.tiebreak
        chosen = self.alive.copy()
        kt, kh = key[self.tails], key[self.heads]
        chosen[self.tails[kt > kh]] = False
        chosen[self.heads[kh > kt]] = False
        return chosen

    def _candidates(
        self, via: NDArray[np.bool_]
    ) -> tuple[IntArray, IntArray, IntArray, FloatArray]:
        """Return every path u -> v -> x (u != x) through a ``via`` node: (u, x, v, seconds)."""
        into = via[self.heads]
        in_t, in_v, in_w = self.tails[into], self.heads[into], self.weights[into]
        # Edges are kept sorted by tail, so a node's out-edges are one slice.
        count = self.start[in_v + 1] - self.start[in_v]
        rep = np.repeat(np.arange(len(in_v)), count)
        pos = _ranges(self.start[in_v], count)
        u, x, v = in_t[rep], self.heads[pos], in_v[rep]
        c = in_w[rep] + self.weights[pos]
        keep = u != x
        return u[keep], x[keep], v[keep], c[keep]

    def _shortcuts(
        self, via: NDArray[np.bool_], *, hops: int, alone: bool
    ) -> tuple[IntArray, IntArray, FloatArray, IntArray]:
        """Return the shortcuts (u, x, seconds, via node) contracting ``via`` nodes needs.

        With ``alone`` each via node is considered as if it were the only one contracted (a
        witness may use the other via nodes: used to rank nodes); otherwise the via nodes
        are contracted together and a witness may pass through none of them.
        """
        u, x, v, c = self._candidates(via)
        if len(u) == 0:
            return u, x, c, v
        forbidden = np.zeros(self.n, dtype=bool) if alone else via
        needed = ~self._witnessed(u, x, v, c, forbidden, hops)
        return u[needed], x[needed], c[needed], v[needed]

    def _witnessed(
        self,
        u: IntArray,
        x: IntArray,
        v: IntArray,
        c: FloatArray,
        forbidden: NDArray[np.bool_],
        hops: int,
    ) -> NDArray[np.bool_]:
        """Return, for each candidate shortcut, whether a path as short avoids its via node.

        First a direct edge ``u -> x``; then, for the rest, a hop-limited search from every
        (u, via) pair at once, pruned at the pair's longest candidate, that never enters the
        pair's via node nor a ``forbidden`` node: each hop is one join with the edge list.
        """
        n = self.n
        q = u * n + x
        i = np.minimum(np.searchsorted(self.key, q), len(self.key) - 1)
        witnessed: NDArray[np.bool_] = (self.key[i] == q) & (self.weights[i] <= c) & ~forbidden[x]
        todo = np.flatnonzero(~witnessed)
        if hops < 2 or len(todo) == 0:
            return witnessed
        u, x, v, c = u[todo], x[todo], v[todo], c[todo]
        pairs, pair_of = np.unique(u * n + v, return_inverse=True)
        bound = np.full(len(pairs), -np.inf)
        np.maximum.at(bound, pair_of, c)
        pair_src, pair_via = pairs // n, pairs % n
        usable = ~forbidden[self.heads]
        query = pair_of * n + x
        found = np.zeros(len(u), dtype=bool)
        f_pair = np.arange(len(pairs))
        f_node = pair_src
        f_dist = np.zeros(len(pairs))
        for _ in range(hops):
            count = self.start[f_node + 1] - self.start[f_node]
            rep = np.repeat(np.arange(len(f_node)), count)
            pos = _ranges(self.start[f_node], count)
            pair = f_pair[rep]
            node = self.heads[pos]
            dist = f_dist[rep] + self.weights[pos]
            ok = (
                usable[pos]
                & (node != pair_via[pair])
                & (node != pair_src[pair])
                & (dist <= bound[pair])
            )
            key, dist = _min_by_key(pair[ok] * n + node[ok], dist[ok])
            if len(key) == 0:
                break
            j = np.minimum(np.searchsorted(key, query), len(key) - 1)
            found |= (key[j] == query) & (dist[j] <= c)
            f_pair, f_node, f_dist = key // n, key % n, dist
        witnessed[todo] = found
        return witnessed

    def _update_priority(self, nodes: IntArray) -> None:
        """Recompute the priority of ``nodes``: edge difference plus removed neighbours."""
        mask = np.zeros(self.n, dtype=bool)
        mask[nodes] = True
        mask &= self.alive
        if not mask.any():
            return
        _, _, _, via = self._shortcuts(mask, hops=self.priority_hops, alone=True)
        added = np.bincount(via, minlength=self.n)
        degree = np.bincount(self.tails, minlength=self.n) + np.bincount(
            self.heads, minlength=self.n
        )
        prio = 2 * added - degree + self.gone_neighbours
        self.priority[mask] = prio[mask]

    def _contract(self, chosen: NDArray[np.bool_]) -> None:
        su, sx, sw, _ = self._shortcuts(chosen, hops=self.hops, alone=False)
        touches = chosen[self.tails] | chosen[self.heads]
        self.removed.append((self.tails[touches], self.heads[touches], self.weights[touches]))
        neighbours = np.unique(
            np.concatenate([self.heads[chosen[self.tails]], self.tails[chosen[self.heads]]])
        )
        keep = ~touches
        self._set_edges(
            np.concatenate([self.tails[keep], su]),
            np.concatenate([self.heads[keep], sx]),
            np.concatenate([self.weights[keep], sw]),
        )
        self.alive[chosen] = False
        self.round_of[chosen] = self.rounds
        self.rounds += 1
        np.add.at(self.gone_neighbours, neighbours, 1)
        self._update_priority(neighbours)

    def hierarchy(self) -> Hierarchy:
        n = self.n
        core = np.flatnonzero(self.alive)
        contracted = np.flatnonzero(~self.alive)
        # Sweep order: core first, then rounds from the last to the first.
        by_round = contracted[np.argsort(-self.round_of[contracted], kind="stable")]
        order = np.concatenate([core, by_round]).astype(np.int32)
        position = np.empty(n, dtype=np.int64)
        position[order] = np.arange(n)
        rounds_desc = self.round_of[by_round]
        change = np.flatnonzero(np.diff(rounds_desc)) + 1
        level_starts = np.concatenate([[0], change, [len(by_round)]]).astype(np.int64) + len(core)

        if self.removed:
            rt = np.concatenate([r[0] for r in self.removed])
            rh = np.concatenate([r[1] for r in self.removed])
            rw = np.concatenate([r[2] for r in self.removed])
        else:
            rt = rh = np.empty(0, dtype=np.int64)
            rw = np.empty(0)
        pt, ph = position[rt], position[rh]
        # An edge goes up when its head is later in the contraction, i.e. earlier in the
        # sweep order (smaller position).
        up = ph < pt
        # Upward edges, grouped by tail position (the sweep reads them in order).
        ut, uh, uw = pt[up], ph[up], rw[up]
        k = len(core)
        missing = np.setdiff1d(np.arange(k, n), ut)
        # A contracted node with no way up cannot reach anything: point it at the sentinel.
        ut = np.concatenate([ut, missing])
        uh = np.concatenate([uh, np.full(len(missing), n + 1)])
        uw = np.concatenate([uw, np.full(len(missing), np.inf)])
        o = np.lexsort((uh, ut))
        ut, uh, uw = ut[o], uh[o], uw[o]
        up_indptr = np.zeros(n - k + 1, dtype=np.int64)
        np.cumsum(np.bincount(ut - k, minlength=n - k), out=up_indptr[1:])

        # Search graph: downward edges and core edges, reversed, plus the virtual destination.
        down_t, down_h, down_w = ph[~up], pt[~up], rw[~up]  # arc: lower -> higher
        ct, ch, cw = position[self.heads], position[self.tails], self.weights
        st = np.concatenate([down_t, ct, [n, n]])
        sh = np.concatenate([down_h, ch, [n + 1, n + 1]])
        sw = np.concatenate([down_w, cw, [np.inf, np.inf]])
        o = np.lexsort((sh, st))
        st, sh, sw = st[o], sh[o], sw[o]
        search_indptr = np.zeros(n + 3, dtype=np.int64)
        np.cumsum(np.bincount(st, minlength=n + 2), out=search_indptr[1:])
        return Hierarchy(
            order=order,
            core_size=k,
            level_starts=level_starts,
            up_indptr=up_indptr,
            up_heads=uh.astype(np.int32),
            up_weights=uw.astype(np.float64),
            search_indptr=search_indptr.astype(np.int32),
            search_indices=sh.astype(np.int32),
            search_weights=sw.astype(np.float64),
        )


def _dedupe(
    n: int, tails: IntArray, heads: IntArray, weights: FloatArray
) -> tuple[IntArray, IntArray, FloatArray]:
    """Drop loops and keep the lightest of parallel edges."""
    keep = tails != heads
    key, w = _min_by_key(tails[keep] * n + heads[keep], weights[keep])
    return key // n, key % n, w


def _min_by_key(key: IntArray, value: FloatArray) -> tuple[IntArray, FloatArray]:
    """Return the sorted unique keys with the smallest value of each."""
    if len(key) == 0:
        return key, value
    o = np.argsort(key)
    key, value = key[o], value[o]
    first = np.ones(len(key), dtype=bool)
    first[1:] = key[1:] != key[:-1]
    starts = np.flatnonzero(first)
    return key[starts], np.minimum.reduceat(value, starts)


def _ranges(starts: IntArray, counts: IntArray) -> IntArray:
    """Concatenate ``arange(s, s + c)`` for each start and count, without a Python loop."""
    total = int(counts.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64)
    ends = np.cumsum(counts)
    offsets = np.repeat(starts - (ends - counts), counts)
    result: IntArray = np.arange(total, dtype=np.int64) + offsets
    return result
