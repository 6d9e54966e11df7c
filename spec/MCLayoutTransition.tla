------------------------- MODULE MCLayoutTransition -------------------------
(* Model values and layout chains for LayoutTransition's configs.          *)
EXTENDS LayoutTransition
CONSTANTS n1, n2, n3
\* rf = 1 (W = R = 1): version v moves the key to one new node.
ChainRf1 == [v \in 1..3 |-> IF v = 1 THEN {n1} ELSE IF v = 2 THEN {n2} ELSE {n3}]
\* rf = 2 (W = 2, R = 1): {n1,n2} -> {n2,n3} -> {n1,n3}.
ChainRf2 == [v \in 1..3 |-> IF v = 1 THEN {n1, n2} ELSE IF v = 2 THEN {n2, n3} ELSE {n1, n3}]
=============================================================================
