"""Quality-adjusted token price indices, every method side by side, and a personal index from usage logs.

    panel.py     every standard-tier offer in effect on the 1st of each month, with its characteristics
                 (capability score under a documented missing-score rule, reasoning, open weights, context
                 window, first-party vs host)
    hedonic.py   time-dummy hedonic regressions over adjacent-period or rolling windows, chained, with a
                 bias-corrected back-transform and a model-clustered bootstrap interval on the annual rate
    methods.py   threshold fits (llmflation.trends), price tiers, the frontier's price, an average-price
                 reference and a structural-break test, on one window, in one table (`compare`)
    watch.py     the seed's 2027 watch items: reasoning-token deflation and the frontier premium
    numbers.py   index-number formulas (Laspeyres, Paasche, Fisher, Törnqvist) and chaining
    personal.py  a chained Fisher / Törnqvist index of a user's own traffic at constant mix
    simulate.py  a simulated market with a known quality-adjusted decline (validation)

Pure computation: nothing here does I/O except reading usage through llmflation.usage. Prices enter as
Decimal and leave as Decimal where they are list prices; regressions run on numpy floats of log prices, and
index levels and factors are floats (they are statistics, not money).
"""

from __future__ import annotations
