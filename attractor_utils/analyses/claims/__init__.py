"""Source claim against measured value: the table each reproduction notebook ends with (``au.claims``; docs/claims.md).

The verdict machinery is in :mod:`.verdicts`; each claim is declared once in the module of its source:
:mod:`.jiang_pehlevan` (notebooks 01-05), :mod:`.talk` (10), :mod:`.thesis` (06), :mod:`.pnas` (07-09, 11-13).
Every number is computed from the notebook's own results, never typed.
"""
from .jiang_pehlevan import (activations_claims, basins_claims, beyond_linear_claims, linear_region_claims,
                             single_example_claims)
from .pnas import (basin_maps_claims, optimizer_claims, recovery_claims, sequences_claims, theory_claims,
                   width_depth_claims)
from .talk import generalization_claims
from .thesis import FP_MIN_SETTLED, THESIS_EPOCHS, relu_grid_claims
from .verdicts import (COLUMNS, JUDGED, KINDS, VERDICTS, Claim, claim, claims_table, compare_published,
                       decade_above, evidence, flow_limit_claim, graded, published_values_claim, save_claims,
                       unconverged)

__all__ = ["VERDICTS", "JUDGED", "KINDS", "COLUMNS", "THESIS_EPOCHS", "FP_MIN_SETTLED", "Claim", "claim", "graded",
           "decade_above", "claims_table", "save_claims", "unconverged", "evidence", "compare_published",
           "published_values_claim", "flow_limit_claim", "single_example_claims", "linear_region_claims",
           "beyond_linear_claims", "basins_claims", "activations_claims", "generalization_claims", "relu_grid_claims",
           "basin_maps_claims", "sequences_claims", "width_depth_claims", "optimizer_claims", "recovery_claims",
           "theory_claims"]
