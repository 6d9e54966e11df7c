--------------------------- MODULE LayoutCommit ---------------------------
(***************************************************************************)
(* Layout commit (consensus.md 5.4, first part): a chain of write-once     *)
(* Synod slots.  Slot v holds layout version v; it is decided by a         *)
(* majority of the voters of layout v-1 (fixed in this version: the voter  *)
(* set never changes, see proofs-notes/layout-commit.md); its value        *)
(* carries the digest of layout v-1, and a proposer proposes for slot v    *)
(* only once it holds layout v-1.  Messages form a monotone set.           *)
(* Reducer: src/core/consensus/layout-commit.ts.                           *)
(***************************************************************************)
EXTENDS Integers, FiniteSets, TLC

CONSTANTS Acceptors, Proposers, MaxSlot, MaxRound,
          Extenders   \* proposers that go on proposing after slot 1 (a bound on the model)

VARIABLES aProm, aBal, aVal,                  \* per acceptor, per slot (durable)
          pSlot, pPhase, pBal, pLast, pVal,   \* proposer attempt
          hist,                               \* hist[p][v]: layout v as held by p (or None)
          msgs

vars == <<aProm, aBal, aVal, pSlot, pPhase, pBal, pLast, pVal, hist, msgs>>

Slots == 1..MaxSlot
Quorums == {Q \in SUBSET Acceptors : 2 * Cardinality(Q) > Cardinality(Acceptors)}
Bot == [rnd |-> -1, prop |-> -1]
Bal(r, p) == [rnd |-> r, prop |-> p]
BalLt(b, c) == b.rnd < c.rnd \/ (b.rnd = c.rnd /\ b.prop < c.prop)
BalLeq(b, c) == b = c \/ BalLt(b, c)

None == [ver |-> -1, id |-> -1, prev |-> <<-1, -1>>]
Genesis == [ver |-> 0, id |-> -1, prev |-> <<-1, -1>>]
Digest(l) == <<l.ver, l.id>>
\* Proposer p's candidate for slot v: its own staged layout, chained onto the v-1 it holds.
Candidate(p, v) == [ver |-> v, id |-> p, prev |-> Digest(hist[p][v - 1])]

\* The learned prefix: the highest v with versions 1..v all held.
Prefix(p) == CHOOSE v \in 0..MaxSlot : (\A w \in 1..v : hist[p][w] # None) /\ (v = MaxSlot \/ hist[p][v + 1] = None)

Init == /\ aProm = [a \in Acceptors |-> [s \in Slots |-> Bot]]
        /\ aBal = [a \in Acceptors |-> [s \in Slots |-> Bot]]
        /\ aVal = [a \in Acceptors |-> [s \in Slots |-> None]]
        /\ pSlot = [p \in Proposers |-> 0]
        /\ pPhase = [p \in Proposers |-> "idle"]
        /\ pBal = [p \in Proposers |-> Bot]
        /\ pLast = [p \in Proposers |-> 0]
        /\ pVal = [p \in Proposers |-> None]
        /\ hist = [p \in Proposers |-> [v \in 0..MaxSlot |-> IF v = 0 THEN Genesis ELSE None]]
        /\ msgs = {}

\* Start (or restart with a higher round) an attempt on the slot after the learned prefix.
Phase1a(p) ==
  LET v == Prefix(p) + 1 IN
  /\ v <= MaxSlot
  /\ v = 1 \/ p \in Extenders
  /\ pPhase[p] \in {"idle", "p1", "p2"}
  /\ \E r \in (IF pSlot[p] = v THEN pLast[p] + 1 ELSE 1)..MaxRound :
       /\ pSlot' = [pSlot EXCEPT ![p] = v]
       /\ pPhase' = [pPhase EXCEPT ![p] = "p1"]
       /\ pBal' = [pBal EXCEPT ![p] = Bal(r, p)]
       /\ pLast' = [pLast EXCEPT ![p] = r]
       /\ pVal' = [pVal EXCEPT ![p] = None]
       /\ msgs' = msgs \cup {[type |-> "prepare", slot |-> v, bal |-> Bal(r, p)]}
  /\ UNCHANGED <<aProm, aBal, aVal, hist>>

Phase1b(a) ==
  \E m \in msgs :
    /\ m.type = "prepare" /\ BalLt(aProm[a][m.slot], m.bal)
    /\ aProm' = [aProm EXCEPT ![a][m.slot] = m.bal]
    /\ msgs' = msgs \cup {[type |-> "promise", slot |-> m.slot, acc |-> a, bal |-> m.bal,
                          accBal |-> aBal[a][m.slot], accVal |-> aVal[a][m.slot]]}
    /\ UNCHANGED <<aBal, aVal, pSlot, pPhase, pBal, pLast, pVal, hist>>

\* Synod: F(cur) = IF cur = None THEN candidate ELSE cur.
Phase2a(p) ==
  /\ pPhase[p] = "p1"
  /\ \E Q \in Quorums :
       LET prs == {m \in msgs : m.type = "promise" /\ m.slot = pSlot[p] /\ m.bal = pBal[p] /\ m.acc \in Q}
       IN /\ \A a \in Q : \E m \in prs : m.acc = a
          /\ \E m \in prs :
               /\ \A m2 \in prs : BalLeq(m2.accBal, m.accBal)
               /\ LET v == IF m.accVal = None THEN Candidate(p, pSlot[p]) ELSE m.accVal
                  IN /\ pVal' = [pVal EXCEPT ![p] = v]
                     /\ msgs' = msgs \cup {[type |-> "accept", slot |-> pSlot[p], bal |-> pBal[p], val |-> v]}
  /\ pPhase' = [pPhase EXCEPT ![p] = "p2"]
  /\ UNCHANGED <<aProm, aBal, aVal, pSlot, pBal, pLast, hist>>

Phase2b(a) ==
  \E m \in msgs :
    /\ m.type = "accept" /\ BalLeq(aProm[a][m.slot], m.bal)
    /\ aProm' = [aProm EXCEPT ![a][m.slot] = m.bal]
    /\ aBal' = [aBal EXCEPT ![a][m.slot] = m.bal]
    /\ aVal' = [aVal EXCEPT ![a][m.slot] = m.val]
    /\ msgs' = msgs \cup {[type |-> "accepted", slot |-> m.slot, acc |-> a, bal |-> m.bal]}
    /\ UNCHANGED <<pSlot, pPhase, pBal, pLast, pVal, hist>>

\* A quorum accepted: the proposer appends the version and broadcasts Decided.
Decide(p) ==
  /\ pPhase[p] = "p2"
  /\ \E Q \in Quorums : \A a \in Q : [type |-> "accepted", slot |-> pSlot[p], acc |-> a, bal |-> pBal[p]] \in msgs
  /\ pPhase' = [pPhase EXCEPT ![p] = "idle"]
  /\ hist' = [hist EXCEPT ![p][pSlot[p]] = pVal[p]]
  /\ msgs' = msgs \cup {[type |-> "decided", slot |-> pSlot[p], val |-> pVal[p]]}
  /\ UNCHANGED <<aProm, aBal, aVal, pSlot, pBal, pLast, pVal>>

\* Learning from a Decided message (an attempt on that slot is then over).
Learn(p) ==
  \E m \in msgs :
    /\ m.type = "decided" /\ hist[p][m.slot] = None
    /\ hist' = [hist EXCEPT ![p][m.slot] = m.val]
    /\ pPhase' = IF pSlot[p] = m.slot THEN [pPhase EXCEPT ![p] = "idle"] ELSE pPhase
    /\ UNCHANGED <<aProm, aBal, aVal, pSlot, pBal, pLast, pVal, msgs>>

Next == \/ \E p \in Proposers : Phase1a(p) \/ Phase2a(p) \/ Decide(p) \/ Learn(p)
        \/ \E a \in Acceptors : Phase1b(a) \/ Phase2b(a)

Spec == Init /\ [][Next]_vars

\* Acceptors are interchangeable (used as SYMMETRY; sound: no invariant names an acceptor).
AcceptorSymmetry == Permutations(Acceptors)

-----------------------------------------------------------------------------
ChosenAt(s, b) == \E Q \in Quorums : \A a \in Q : [type |-> "accepted", slot |-> s, acc |-> a, bal |-> b] \in msgs
Chosen == {m \in msgs : m.type = "accept" /\ ChosenAt(m.slot, m.bal)}

LayoutAgreement == \A m1, m2 \in Chosen : m1.slot = m2.slot => m1.val = m2.val

\* decided(v) => decided(v-1), and decided(v).prev = digest(decided(v-1)).
LayoutChain == \A m \in Chosen :
                 /\ m.val.ver = m.slot
                 /\ IF m.slot = 1 THEN m.val.prev = Digest(Genesis)
                    ELSE \E m2 \in Chosen : m2.slot = m.slot - 1 /\ m.val.prev = Digest(m2.val)

\* Every version a proposer holds is the chosen one.
HistoryIsChosen == \A p \in Proposers : \A v \in Slots :
                     hist[p][v] # None => \E m \in Chosen : m.slot = v /\ m.val = hist[p][v]
=============================================================================
