"""The road network: a directed graph of road junctions and shape points, in compact arrays.

Nodes are OSM nodes (junctions and the points that shape a road); a directed edge is one
straight road segment that may be driven in that direction, weighted by its driving time in
seconds. The graph is kept in compressed sparse rows (CSR): the edges leaving node ``u`` are
``indices[indptr[u]:indptr[u+1]]`` with times ``weights[...]``.

A compiled network is saved with ``numpy.savez`` (no pickle) and holds the graph, the node
coordinates, optionally the OSM node ids, a JSON note of where it came from and, once built,
the contraction hierarchy that answers queries fast (see ``bluepool.routing.hierarchy``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.sparse import csgraph

from bluepool.domain.shared.errors import Invalid
from bluepool.domain.shared.geo import EARTH_RADIUS_M as EARTH_RADIUS_M  # for snapping, synthetic
from bluepool.routing.hierarchy import Hierarchy

FORMAT = "bluepool-roads/1"
#: The demo's compiled network (Liechtenstein, © OpenStreetMap contributors, ODbL 1.0).
DEMO_NETWORK = "liechtenstein.roads.npz"


@dataclass(frozen=True, eq=False)
class RoadNetwork:
    """A directed road graph in CSR arrays, with where its nodes are."""

    indptr: NDArray[np.int32]
    indices: NDArray[np.int32]
    #: Driving time of each edge in seconds.
    weights: NDArray[np.float64]
    lat: NDArray[np.float64]
    lon: NDArray[np.float64]
    #: OSM node id of each node, when the network came from OSM.
    osm_ids: NDArray[np.int64] | None = None
    #: Where the network came from: source file, speeds, counts (JSON-safe values only).
    meta: dict[str, Any] = field(default_factory=dict)
    hierarchy: Hierarchy | None = None

    def __post_init__(self) -> None:
        n = len(self.lat)
        if len(self.indptr) != n + 1 or len(self.lon) != n:
            raise Invalid("road network arrays disagree on the number of nodes", code="bad_network")
        if len(self.indices) != len(self.weights) or self.indptr[-1] != len(self.indices):
            raise Invalid("road network arrays disagree on the number of edges", code="bad_network")

    @property
    def node_count(self) -> int:
        return len(self.lat)

    @property
    def edge_count(self) -> int:
        return len(self.indices)

    def matrix(self) -> sp.csr_matrix:
        """Return the graph as a scipy CSR matrix (row = from, column = to, value = seconds)."""
        n = self.node_count
        return sp.csr_matrix((self.weights, self.indices, self.indptr), shape=(n, n))

    def tails(self) -> NDArray[np.int32]:
        """Return the node each edge leaves from, aligned with ``indices``."""
        return np.repeat(np.arange(self.node_count, dtype=np.int32), np.diff(self.indptr))

    def edge_lengths_m(self) -> NDArray[np.float64]:
        """Return the length of each edge in metres (edges are straight segments)."""
        t = self.tails()
        return haversine_m(self.lat[t], self.lon[t], self.lat[self.indices], self.lon[self.indices])

    def with_hierarchy(self, hierarchy: Hierarchy) -> RoadNetwork:
        return RoadNetwork(
            self.indptr,
            self.indices,
            self.weights,
            self.lat,
            self.lon,
            self.osm_ids,
            self.meta,
            hierarchy,
        )

    def nbytes(self) -> int:
        """Return the memory the network's arrays take, in bytes."""
        arrays: list[NDArray[Any]] = [self.indptr, self.indices, self.weights, self.lat, self.lon]
        if self.osm_ids is not None:
            arrays.append(self.osm_ids)
        total = sum(a.nbytes for a in arrays)
        if self.hierarchy is not None:
            total += self.hierarchy.nbytes()
        return total


def haversine_m(
    lat1: NDArray[np.float64],
    lon1: NDArray[np.float64],
    lat2: NDArray[np.float64],
    lon2: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Return great-circle distances in metres between paired points (degrees)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(lon2 - lon1)
    h = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    result: NDArray[np.float64] = 2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(h)))
    return result


def from_edges(
    tails: NDArray[np.integer[Any]],
    heads: NDArray[np.integer[Any]],
    weights: NDArray[np.floating[Any]],
    lat: NDArray[np.float64],
    lon: NDArray[np.float64],
    *,
    osm_ids: NDArray[np.int64] | None = None,
    meta: dict[str, Any] | None = None,
) -> RoadNetwork:
    """Build a network from an edge list, keeping the fastest of parallel edges and no loops."""
    n = len(lat)
    tails = np.asarray(tails, dtype=np.int64)
    heads = np.asarray(heads, dtype=np.int64)
    w = np.asarray(weights, dtype=np.float64)
    keep = tails != heads
    tails, heads, w = tails[keep], heads[keep], w[keep]
    order = np.lexsort((w, heads, tails))
    tails, heads, w = tails[order], heads[order], w[order]
    first = np.ones(len(tails), dtype=bool)
    first[1:] = (tails[1:] != tails[:-1]) | (heads[1:] != heads[:-1])
    tails, heads, w = tails[first], heads[first], w[first]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(tails, minlength=n), out=indptr[1:])
    return RoadNetwork(
        indptr=indptr.astype(np.int32),
        indices=heads.astype(np.int32),
        weights=w,
        lat=np.asarray(lat, dtype=np.float64),
        lon=np.asarray(lon, dtype=np.float64),
        osm_ids=osm_ids,
        meta=dict(meta or {}),
    )


def subgraph(network: RoadNetwork, keep: NDArray[np.bool_]) -> RoadNetwork:
    """Return the network induced by the nodes where ``keep`` is true (renumbered in order)."""
    new_id = np.full(network.node_count, -1, dtype=np.int64)
    new_id[keep] = np.arange(int(keep.sum()))
    t = network.tails()
    h = network.indices
    inside = keep[t] & keep[h]
    return from_edges(
        new_id[t[inside]],
        new_id[h[inside]],
        network.weights[inside],
        network.lat[keep],
        network.lon[keep],
        osm_ids=None if network.osm_ids is None else network.osm_ids[keep],
        meta=network.meta,
    )


@dataclass(frozen=True, slots=True)
class Components:
    """What keeping the largest strongly connected component removed."""

    kept_nodes: int
    dropped_components: int
    dropped_nodes: int


def largest_component(network: RoadNetwork) -> tuple[RoadNetwork, Components]:
    """Keep the largest strongly connected component: every node reaches every other.

    Dead-end fragments (a oneway that leads nowhere, an island of service roads) would
    otherwise give units that can never arrive or incidents no unit can reach.
    """
    count, labels = csgraph.connected_components(
        network.matrix(), directed=True, connection="strong"
    )
    if count <= 1:
        return network, Components(network.node_count, 0, 0)
    sizes = np.bincount(labels)
    keep = labels == int(np.argmax(sizes))
    kept = subgraph(network, keep)
    return kept, Components(kept.node_count, count - 1, network.node_count - kept.node_count)


def save_network(network: RoadNetwork, path: str | Path, *, compress: bool = False) -> Path:
    """Write a compiled network to ``path`` (``.npz``); return the path written."""
    path = Path(path)
    arrays: dict[str, NDArray[Any]] = {
        "indptr": network.indptr,
        "indices": network.indices,
        "weights": network.weights,
        "lat": network.lat,
        "lon": network.lon,
        "meta": np.array(json.dumps({"format": FORMAT, **network.meta}, sort_keys=True)),
    }
    if network.osm_ids is not None:
        arrays["osm_ids"] = network.osm_ids
    if network.hierarchy is not None:
        arrays.update({f"ch_{k}": v for k, v in network.hierarchy.arrays().items()})
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        if compress:
            np.savez_compressed(f, **arrays)  # type: ignore[arg-type]
        else:
            np.savez(f, **arrays)  # type: ignore[arg-type]
    return path


def load_network(path: str | Path) -> RoadNetwork:
    """Read a compiled network written by ``save_network`` (never unpickles anything)."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except (OSError, ValueError) as exc:
        raise Invalid(f"{path} is not a compiled road network: {exc}", code="bad_network") from exc
    try:
        meta = json.loads(str(arrays.pop("meta")))
    except KeyError:
        raise Invalid(f"{path} is not a compiled road network", code="bad_network") from None
    if meta.pop("format", None) != FORMAT:
        raise Invalid(f"{path} is not a {FORMAT} network", code="bad_network")
    ch = {k[3:]: v for k, v in arrays.items() if k.startswith("ch_")}
    return RoadNetwork(
        indptr=arrays["indptr"],
        indices=arrays["indices"],
        weights=arrays["weights"],
        lat=arrays["lat"],
        lon=arrays["lon"],
        osm_ids=arrays.get("osm_ids"),
        meta=meta,
        hierarchy=Hierarchy.from_arrays(ch) if ch else None,
    )


def demo_network_path() -> Path:
    """Return the path of the compiled demo network shipped in the package."""
    return Path(str(resources.files("bluepool") / "demo" / DEMO_NETWORK))
