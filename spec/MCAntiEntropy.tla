---------------------------- MODULE MCAntiEntropy ----------------------------
(* The model the CI checks: three nodes, one key, two racing writers with   *)
(* equal timestamps (the case where the tie-break matters), one crash.      *)
EXTENDS AntiEntropy
CONSTANTS n0, n1, n2, x
MCNodes == {n0, n1, n2}
MCKeys == {x}
MCPuts == {<<n0, x, 1>>, <<n1, x, 2>>}
================================================================================
