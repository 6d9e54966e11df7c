--------------------------- MODULE NameRegistry ---------------------------
(***************************************************************************)
(* One CASPaxos register for one bucket name (consensus.md 5.2).           *)
(* Acceptors (voters) keep durable promised/accBal/accVal; any proposer    *)
(* runs prepare/accept with ballots (cfg, round, proposer); the client's   *)
(* operation is a change function F (claim / release).  Messages form a    *)
(* monotone set, so loss, duplication and reordering are covered.          *)
(* Step granularity matches reference/consensus-oracles/claim_bfs.py:      *)
(* with ReleaseBy = {} and ProposerCrash = FALSE it has the same state     *)
(* graph (3,393 distinct states for 3 acceptors, 2 proposers, round 1).    *)
(* Reducer: src/core/consensus/name-registry.ts (same action names).       *)
(***************************************************************************)
EXTENDS Integers, Sequences, FiniteSets

CONSTANTS Acceptors,      \* the voters of the configuration
          Proposers,      \* proposer ids: natural numbers (they order ballots)
          MaxRound,       \* rounds 1..MaxRound
          ReleaseBy,      \* proposers that release their bucket after claiming
          ProposerCrash,  \* may a proposer crash (losing its volatile attempt)?
          Cfg             \* the configuration number carried in ballots

VARIABLES aProm, aBal, aVal,            \* acceptor state (durable)
          pPhase, pBal, pLast, pVal, pPc, pDec,   \* proposer state
          msgs                           \* every message ever sent

vars == <<aProm, aBal, aVal, pPhase, pBal, pLast, pVal, pPc, pDec, msgs>>

Quorums == {Q \in SUBSET Acceptors : 2 * Cardinality(Q) > Cardinality(Acceptors)}

Bot == [cfg |-> -1, rnd |-> -1, prop |-> -1]
Bal(r, p) == [cfg |-> Cfg, rnd |-> r, prop |-> p]
BalLt(b, c) == \/ b.cfg < c.cfg
               \/ b.cfg = c.cfg /\ b.rnd < c.rnd
               \/ b.cfg = c.cfg /\ b.rnd = c.rnd /\ b.prop < c.prop
BalLeq(b, c) == b = c \/ BalLt(b, c)

\* Register values: never bound, bound to proposer p's bucket at generation g, free again.
None == [kind |-> "none", gen |-> 0, bucket |-> -1]
Bound(g, p) == [kind |-> "bound", gen |-> g, bucket |-> p]
Free(g) == [kind |-> "free", gen |-> g, bucket |-> -1]

Script(p) == IF p \in ReleaseBy THEN <<"claim", "release">> ELSE <<"claim">>
Op(p) == Script(p)[pPc[p]]

\* The change functions F(op, cur) of 5.2, for proposer p's bucket.
F(op, p, cur) ==
  IF op = "claim"
    THEN IF cur.kind \in {"none", "free"} THEN Bound(cur.gen + 1, p) ELSE cur
    ELSE IF cur.kind = "bound" /\ cur.bucket = p THEN Free(cur.gen) ELSE cur

Init == /\ aProm = [a \in Acceptors |-> Bot]
        /\ aBal = [a \in Acceptors |-> Bot]
        /\ aVal = [a \in Acceptors |-> None]
        /\ pPhase = [p \in Proposers |-> "idle"]
        /\ pBal = [p \in Proposers |-> Bot]
        /\ pLast = [p \in Proposers |-> 0]
        /\ pVal = [p \in Proposers |-> None]
        /\ pPc = [p \in Proposers |-> 1]
        /\ pDec = [p \in Proposers |-> None]
        /\ msgs = {}

\* Start an attempt with a fresh, higher round (models Nack, backoff and timeouts: a
\* proposer may abandon its attempt at any time).
Phase1a(p) ==
  /\ pPhase[p] \in {"idle", "p1", "p2"}
  /\ \E r \in (pLast[p] + 1)..MaxRound :
       /\ pPhase' = [pPhase EXCEPT ![p] = "p1"]
       /\ pBal' = [pBal EXCEPT ![p] = Bal(r, p)]
       /\ pLast' = [pLast EXCEPT ![p] = r]
       /\ pVal' = [pVal EXCEPT ![p] = None]
       /\ msgs' = msgs \cup {[type |-> "prepare", bal |-> Bal(r, p)]}
  /\ UNCHANGED <<aProm, aBal, aVal, pPc, pDec>>

Phase1b(a) ==
  \E m \in msgs :
    /\ m.type = "prepare" /\ BalLt(aProm[a], m.bal)
    /\ aProm' = [aProm EXCEPT ![a] = m.bal]
    /\ msgs' = msgs \cup {[type |-> "promise", acc |-> a, bal |-> m.bal, accBal |-> aBal[a], accVal |-> aVal[a]]}
    /\ UNCHANGED <<aBal, aVal, pPhase, pBal, pLast, pVal, pPc, pDec>>

\* A quorum promised: apply F to the value with the highest accepted ballot.
Phase2a(p) ==
  /\ pPhase[p] = "p1"
  /\ \E Q \in Quorums :
       LET prs == {m \in msgs : m.type = "promise" /\ m.bal = pBal[p] /\ m.acc \in Q}
       IN /\ \A a \in Q : \E m \in prs : m.acc = a
          /\ \E m \in prs :
               /\ \A m2 \in prs : BalLeq(m2.accBal, m.accBal)
               /\ pPhase' = [pPhase EXCEPT ![p] = "p2"]
               /\ pVal' = [pVal EXCEPT ![p] = F(Op(p), p, m.accVal)]
               /\ msgs' = msgs \cup {[type |-> "accept", bal |-> pBal[p], val |-> F(Op(p), p, m.accVal)]}
  /\ UNCHANGED <<aProm, aBal, aVal, pBal, pLast, pPc, pDec>>

Phase2b(a) ==
  \E m \in msgs :
    /\ m.type = "accept" /\ BalLeq(aProm[a], m.bal)
    /\ aProm' = [aProm EXCEPT ![a] = m.bal]
    /\ aBal' = [aBal EXCEPT ![a] = m.bal]
    /\ aVal' = [aVal EXCEPT ![a] = m.val]
    /\ msgs' = msgs \cup {[type |-> "accepted", acc |-> a, bal |-> m.bal]}
    /\ UNCHANGED <<pPhase, pBal, pLast, pVal, pPc, pDec>>

Decide(p) ==
  /\ pPhase[p] = "p2"
  /\ \E Q \in Quorums : \A a \in Q : [type |-> "accepted", acc |-> a, bal |-> pBal[p]] \in msgs
  /\ pPhase' = [pPhase EXCEPT ![p] = "done"]
  /\ pDec' = [pDec EXCEPT ![p] = pVal[p]]
  /\ UNCHANGED <<aProm, aBal, aVal, pBal, pLast, pVal, pPc, msgs>>

\* The client's next operation, started at once with a fresh round (idle if none is left).
NextOp(p) ==
  /\ pPhase[p] = "done" /\ pPc[p] < Len(Script(p))
  /\ pPc' = [pPc EXCEPT ![p] = @ + 1]
  /\ pDec' = [pDec EXCEPT ![p] = None]
  /\ pVal' = [pVal EXCEPT ![p] = None]
  /\ \/ \E r \in (pLast[p] + 1)..MaxRound :
          /\ pPhase' = [pPhase EXCEPT ![p] = "p1"]
          /\ pBal' = [pBal EXCEPT ![p] = Bal(r, p)]
          /\ pLast' = [pLast EXCEPT ![p] = r]
          /\ msgs' = msgs \cup {[type |-> "prepare", bal |-> Bal(r, p)]}
     \/ /\ pLast[p] >= MaxRound
        /\ pPhase' = [pPhase EXCEPT ![p] = "idle"]
        /\ pBal' = [pBal EXCEPT ![p] = Bot]
        /\ UNCHANGED <<pLast, msgs>>
  /\ UNCHANGED <<aProm, aBal, aVal>>

\* A proposer crashes mid-attempt: its attempt is lost; its round counter and intent are durable.
Crash(p) ==
  /\ ProposerCrash
  /\ pPhase[p] \in {"p1", "p2"}
  /\ pPhase' = [pPhase EXCEPT ![p] = "idle"]
  /\ pBal' = [pBal EXCEPT ![p] = Bot]
  /\ pVal' = [pVal EXCEPT ![p] = None]
  /\ UNCHANGED <<aProm, aBal, aVal, pLast, pPc, pDec, msgs>>

Next == \/ \E p \in Proposers : Phase1a(p) \/ Phase2a(p) \/ Decide(p) \/ NextOp(p) \/ Crash(p)
        \/ \E a \in Acceptors : Phase1b(a) \/ Phase2b(a)

Spec == Init /\ [][Next]_vars

-----------------------------------------------------------------------------
\* chosen: accepted by a quorum at one ballot.
Accepts == {m \in msgs : m.type = "accept"}
ChosenAt(b, v) == /\ [type |-> "accept", bal |-> b, val |-> v] \in msgs
                  /\ \E Q \in Quorums : \A a \in Q : [type |-> "accepted", acc |-> a, bal |-> b] \in msgs
Chosen == {m \in Accepts : ChosenAt(m.bal, m.val)}

Rank(v) == IF v.kind = "none" THEN 0 ELSE IF v.kind = "bound" THEN 2 * v.gen - 1 ELSE 2 * v.gen

OneValuePerBallot == \A m1, m2 \in Accepts : m1.bal = m2.bal => m1.val = m2.val

\* Agreement / at most one bucket bound to the name per generation.
Agreement == \A m1, m2 \in Chosen : Rank(m1.val) = Rank(m2.val) => m1.val = m2.val

\* CASPaxos linearizability core: by ballot, chosen values never go back in rank.
ChosenChain == \A m1, m2 \in Chosen : BalLt(m1.bal, m2.bal) => Rank(m1.val) <= Rank(m2.val)

DecidedIsChosen == \A p \in Proposers : pPhase[p] = "done" => \E m \in Chosen : m.val = pDec[p]

\* Validity: a chosen value is F(op, u) for a requested op and u = None or a value accepted earlier.
Validity == \A m \in Chosen :
              \E p \in Proposers : \E i \in 1..Len(Script(p)) :
                 \E u \in {None} \cup {m2.val : m2 \in {x \in Accepts : BalLt(x.bal, m.bal)}} :
                    F(Script(p)[i], p, u) = m.val

AcceptedBelowPromised == \A a \in Acceptors : BalLeq(aBal[a], aProm[a])
=============================================================================
