"""A simulated market with a known quality-adjusted price decline, quality growth and entry/exit of models.

The data-generating process (monthly, t in years from the start):

    ln p_it = a + β·q_i + γ_r·reasoning_i + γ_o·open_i + γ_c·log2(ctx_i) + γ_f·first_party_it − λ·t + u_i + e_it

λ = ln(true_factor): every offer's quality-adjusted price divides by `true_factor` a year. Models enter each
month (Poisson), at a quality drawn below a frontier that rises `quality_growth` points a year, and leave after
a random lifetime; each is sold by its developer and, when open-weight, by 1–3 cheaper hosts. u_i is a persistent
model effect the covariates do not see, e_it month-to-month noise.

What a naive method sees: the average price mixes the decline with ever better (dearer) entrants; the cheapest
price above a fixed threshold falls faster than λ because more and more models qualify and the minimum of more
draws is lower. The hedonic index should recover λ.

`simulated_ledger` returns a real `Ledger` (models, prices, an `eci`-named score), so every method runs on it
through the same code as on the bundled ledger.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from llmflation.index.panel import month_range
from llmflation.ledger.records import Model, Price, Score

if TYPE_CHECKING:
    from llmflation.ledger.ledger import Ledger

SIM_SOURCE = "simulated (llmflation.index.simulate)"


@dataclass(frozen=True, slots=True)
class SimTruth:
    true_factor: float
    start: date
    end: date
    models: int
    offers: int
    threshold: float  # a quality level reached early, for the threshold method
    quality_growth: float


def simulated_ledger(
    *, seed: int = 0, months: int = 36, true_factor: float = 4.0, quality_growth: float = 12.0,
    entries_per_month: float = 6.0, model_effect_sd: float = 0.3, start: date = date(2023, 1, 1),
) -> tuple[Ledger, SimTruth]:
    import numpy as np

    from llmflation.ledger.ledger import Ledger

    rng = np.random.default_rng(seed)
    lam = math.log(true_factor)
    month_list = month_range(start, date(start.year + (start.month - 1 + months - 1) // 12,
                                         (start.month - 1 + months - 1) % 12 + 1, 1))
    end_excl = date(month_list[-1].year + (month_list[-1].month == 12), month_list[-1].month % 12 + 1, 1)
    beta, g_r, g_o, g_c, g_f, a = 0.12, 0.8, -1.0, 0.15, 0.3, -1.5
    models: list[Model] = []
    prices: list[Price] = []
    scores: list[Score] = []
    n_initial = 24
    k = 0
    for i, m0 in enumerate(month_list):
        n_new = n_initial if i == 0 else int(rng.poisson(entries_per_month))
        t_years = i / 12.0
        for _ in range(n_new):
            k += 1
            frontier = 100.0 + quality_growth * t_years
            q = frontier - float(rng.exponential(8.0))
            reasoning = bool(rng.random() < min(0.1 + 0.3 * t_years, 0.6))
            open_w = bool(rng.random() < 0.4)
            ctx = int(2 ** rng.integers(13, 21))
            u = float(rng.normal(0.0, model_effect_sd))
            life = int(rng.integers(10, 30))
            mid = f"sim/model-{k:04d}"
            models.append(Model(mid, f"Sim {k}", "sim", m0, open_w, reasoning, SIM_SOURCE, "estimated",
                                context_window=ctx))
            scores.append(Score(mid, "eci", Decimal(f"{q:.2f}"), m0, "simulated", SIM_SOURCE, "estimated"))
            sellers = [("sim", True, 0.0)]
            if open_w:
                sellers += [(f"host{h}", False, float(rng.normal(-0.2, 0.1))) for h in range(int(rng.integers(1, 4)))]
            for prov, first_party, markup in sellers:
                for j in range(i, min(i + life, len(month_list))):
                    t = j / 12.0
                    ln_p = (a + beta * (q - 100.0) + g_r * reasoning + g_o * open_w + g_c * math.log2(ctx)
                            + g_f * first_party + markup - lam * t + u + float(rng.normal(0.0, 0.05)))
                    p = Decimal(f"{math.exp(ln_p):.6g}")
                    frm = month_list[j]
                    to = month_list[j + 1] if j + 1 < len(month_list) else end_excl
                    prices.append(Price(mid, prov, frm, to, p, p, SIM_SOURCE, "estimated",
                                        first_party=first_party))
    ledger = Ledger(models, prices, scores)
    truth = SimTruth(true_factor, month_list[0], month_list[-1], len(models), len(prices), 100.0 - 4.0,
                     quality_growth)
    return ledger, truth
