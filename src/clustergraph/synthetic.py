"""Synthetic graphs with the real model's shape, for load tests, benchmarks and scaling tests.

Everything generated here is labelled: ids start with `synthetic-`, names with "Synthetic", and every node carries
`synthetic: true`. It is never written to the dataset files; it goes only into databases used for testing or
measuring. Generation is deterministic for a given seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from .dataset import GraphPlan

LEVELS = ("PROVINCIAL", "NATIONAL")
YEARS = (2022, 2023, 2024, 2025)
SOURCE = ["synthetic://clustergraph/generated"]


@dataclass(frozen=True)
class Scale:
    """How many of each node kind to generate."""

    cities: int
    counties_per_city: int
    clusters: int
    enterprises: int
    industries: int = 6


SCALES: dict[str, Scale] = {
    "tiny": Scale(cities=5, counties_per_city=3, clusters=40, enterprises=200),
    "small": Scale(cities=21, counties_per_city=4, clusters=240, enterprises=470),
    "medium": Scale(cities=21, counties_per_city=10, clusters=2_000, enterprises=100_000),
    "large": Scale(cities=21, counties_per_city=20, clusters=20_000, enterprises=1_000_000),
}


def generate(scale: Scale, seed: int = 42) -> GraphPlan:
    """A synthetic graph plan: provinces, cities, counties, industries, batches, clusters, enterprises."""
    rng = random.Random(seed)  # noqa: S311 -- reproducible test data, not security
    plan = GraphPlan()
    province = "synthetic-province"
    plan.provinces.append(
        {
            "id": province,
            "adminCode": "000000",
            "name": "Synthetic Province",
            "nameZh": "合成省",
            "sources": SOURCE,
            "synthetic": True,
        }
    )
    for y in YEARS:
        plan.years.append({"id": str(y), "year": y})
    for level in LEVELS:
        for ordinal, y in enumerate(YEARS, start=1):
            plan.batches.append(
                {
                    "id": f"synthetic-{level.lower()}-{y}",
                    "level": level,
                    "year": y,
                    "ordinal": ordinal,
                    "name": f"Synthetic {level.lower()} batch {y}",
                    "nameZh": f"合成批次{y}",
                    "authority": "Synthetic authority",
                    "authorityZh": "合成机关",
                    "officialCount": scale.clusters // 4,
                    "officialCountSichuan": scale.clusters // 4,
                    "published": None,
                    "notice": None,
                    "notes": "Synthetic data for testing and benchmarks.",
                    "sources": SOURCE,
                }
            )
            # A few stated figures per batch (labelled synthetic), so that every list of the schema has items here.
            stated = [
                ("CLUSTERS", scale.clusters // 4, "clusters", "EXACT"),
                ("CITIES", scale.cities, "cities", "EXACT"),
            ]
            if level == "PROVINCIAL":
                stated.append(("ENTERPRISES", rng.randint(100, 5000), "enterprises", "AT_LEAST"))
            else:
                stated.append(("SICHUAN_CLUSTERS", 8, "clusters", "AT_MOST"))
            for figure, value, unit, bound in stated:
                batch_id = f"synthetic-{level.lower()}-{y}"
                plan.figures.append(
                    {
                        "id": f"{batch_id}/{figure.lower().replace('_', '-')}",
                        "batchId": batch_id,
                        "figure": figure,
                        "value": float(value),
                        "unit": unit,
                        "bound": bound,
                        "notes": "Synthetic data for testing and benchmarks.",
                        "sources": SOURCE,
                    }
                )
    industries = [f"synthetic-industry-{i}" for i in range(scale.industries)]
    for i, industry in enumerate(industries):
        plan.industries.append(
            {"id": industry, "name": f"Synthetic industry {i}", "nameZh": f"合成产业{i}", "sources": SOURCE}
        )
    counties: list[str] = []
    for c in range(scale.cities):
        city = f"synthetic-city-{c}"
        plan.cities.append(
            {
                "id": city,
                "adminCode": f"9{c:05d}",
                "name": f"Synthetic City {c}",
                "nameZh": f"合成市{c}",
                "kind": "synthetic city",
                "kindZh": "合成市",
                "latitude": 30.0 + c / 100,
                "longitude": 104.0 + c / 100,
                "sources": SOURCE,
                "provinceId": province,
            }
        )
        for k in range(scale.counties_per_city):
            county = f"synthetic-county-{c}-{k}"
            counties.append(county)
            plan.counties.append(
                {
                    "id": county,
                    "name": f"Synthetic County {c}-{k}",
                    "nameZh": f"合成县{c}-{k}",
                    "cityId": city,
                }
            )
    clusters: list[str] = []
    for n in range(scale.clusters):
        cluster = f"synthetic-cluster-{n}"
        clusters.append(cluster)
        plan.clusters.append(
            {
                "id": cluster,
                "name": f"Synthetic Cluster {n:06d}",
                "nameZh": f"合成集群{n:06d}",
                "nameStatus": "AS_LISTED",
                "alternateNamesZh": [],
                "leadingSector": f"Synthetic sector {n % 50}",
                "leadingSectorZh": f"合成领域{n % 50}",
                "outputValueCny": rng.randrange(10**8, 10**11) if rng.random() < 0.5 else None,
                "enterpriseCount": rng.randrange(10, 500) if rng.random() < 0.5 else None,
                "sources": SOURCE,
                "countyId": rng.choice(counties),
                "industryId": rng.choice(industries),
                "industryInferred": rng.random() < 0.3,
            }
        )
        levels = [LEVELS[0]] if rng.random() < 0.8 else list(LEVELS)
        for level in levels:
            year = rng.choice(YEARS) if rng.random() < 0.9 else None
            plan.recognitions.append(
                {
                    "id": f"{cluster}/{level.lower()}",
                    "clusterId": cluster,
                    "level": level,
                    "year": year,
                    "batchId": f"synthetic-{level.lower()}-{year}" if year is not None else None,
                    "notes": None,
                    "sources": SOURCE,
                }
            )
    for e in range(scale.enterprises):
        enterprise = f"synthetic-enterprise-{e}"
        plan.enterprises.append(
            {
                "id": enterprise,
                "name": f"Synthetic Enterprise {e:07d}",
                "nameZh": f"合成企业{e:07d}",
                "sources": SOURCE,
            }
        )
        memberships = 1 if rng.random() < 0.95 else 2
        for cluster in rng.sample(clusters, memberships):
            plan.memberships.append(
                {
                    "enterpriseId": enterprise,
                    "clusterId": cluster,
                    "role": "Synthetic member",
                    "roleZh": "合成成员",
                    "sources": SOURCE,
                }
            )
    return plan
