----------------------------- MODULE AntiEntropy -----------------------------
(***************************************************************************)
(* A replicated last-writer-wins map with push/pull anti-entropy: the spec *)
(* of src/core/anti-entropy/replica.ts (proofs-notes/anti-entropy.md).    *)
(*                                                                         *)
(* Every node holds a replica: key -> register <<c, v>> (a logical        *)
(* timestamp c and a value v; values are numbers so that ties can be       *)
(* broken by value, as the reducer breaks them by string order). A client  *)
(* Put stamps the write with the node's clock + 1 and persists it; a push  *)
(* sends the whole replica to a peer; the peer merges, persists, and      *)
(* answers with its merged replica when the pusher lacked something.       *)
(* Crash loses the volatile replica; Restart rebuilds it from the disk.    *)
(* The network is a set of messages: delivery may keep or consume a        *)
(* message, and Lose drops one, so loss, duplication and reordering are    *)
(* all covered.                                                            *)
(***************************************************************************)
EXTENDS Naturals, FiniteSets

CONSTANTS Nodes, Keys,
          Puts,         \* the client writes: a set of <<node, key, value>>
          MaxCrashes,
          MaxInFlight   \* a state constraint on the number of messages in flight

\* The register of a key never written ("nil"): timestamp 0, below every write (c >= 1).
None == <<0, 0>>

VARIABLES
  entries,  \* entries[n][k]: n's volatile register for k (meaningless while n is down)
  disk,     \* disk[n][k]: n's persisted register for k
  clock,    \* clock[n]: n's logical clock (the HLC's counter; time does not move here)
  up,       \* up[n]: n is running
  net,      \* the messages in flight
  todo,     \* the client writes not yet issued
  lastRead, \* lastRead[n][k]: the register n's last read of k returned (None if none)
  crashes

vars == <<entries, disk, clock, up, net, todo, lastRead, crashes>>

Reg == {None} \cup ((1..Cardinality(Puts) * 2 + 2) \X {p[3] : p \in Puts})
Ts(r) == r[1]

\* The LWW order: higher timestamp wins, equal timestamps are broken by value.
Leq(a, b) == \/ a[1] < b[1]
             \/ a[1] = b[1] /\ a[2] <= b[2]
Join(a, b) == IF Leq(a, b) THEN b ELSE a
MergeMaps(mine, theirs) == [k \in Keys |-> Join(mine[k], theirs[k])]
MapLeq(a, b) == \A k \in Keys : Leq(a[k], b[k])
MaxTs(m) == LET ts == {Ts(m[k]) : k \in Keys} IN CHOOSE t \in ts : \A u \in ts : u <= t
Max(a, b) == IF a >= b THEN a ELSE b

Empty == [k \in Keys |-> None]

Init ==
  /\ entries = [n \in Nodes |-> Empty]
  /\ disk = [n \in Nodes |-> Empty]
  /\ clock = [n \in Nodes |-> 0]
  /\ up = [n \in Nodes |-> TRUE]
  /\ net = {}
  /\ todo = Puts
  /\ lastRead = [n \in Nodes |-> Empty]
  /\ crashes = 0

\* A client write at n: stamped above n's clock, merged, persisted, acknowledged.
Put(p) ==
  LET n == p[1]  k == p[2]  r == <<clock[n] + 1, p[3]>> IN
  /\ up[n]
  /\ entries' = [entries EXCEPT ![n][k] = Join(@, r)]
  /\ disk' = [disk EXCEPT ![n] = entries'[n]]
  /\ clock' = [clock EXCEPT ![n] = clock[n] + 1]
  /\ todo' = todo \ {p}
  /\ UNCHANGED <<up, net, lastRead, crashes>>

\* A client read at n returns n's register.
Get(n, k) ==
  /\ up[n]
  /\ lastRead' = [lastRead EXCEPT ![n][k] = entries[n][k]]
  /\ UNCHANGED <<entries, disk, clock, up, net, todo, crashes>>

\* The sync timer for peer q fires at n: push n's whole replica.
Push(n, q) ==
  /\ up[n]
  /\ net' = net \cup {[type |-> "SyncReq", from |-> n, to |-> q, entries |-> entries[n]]}
  /\ UNCHANGED <<entries, disk, clock, up, todo, lastRead, crashes>>

\* n receives m: merge, persist, and answer a push when the pusher lacks something.
Receive(m) ==
  LET n == m.to  merged == MergeMaps(entries[n], m.entries) IN
  /\ up[n]
  /\ entries' = [entries EXCEPT ![n] = merged]
  /\ disk' = [disk EXCEPT ![n] = merged]
  /\ clock' = [clock EXCEPT ![n] = Max(clock[n], MaxTs(merged))]
  /\ LET reply == [type |-> "SyncResp", from |-> n, to |-> m.from, entries |-> merged]
         answer == IF m.type = "SyncReq" /\ ~MapLeq(merged, m.entries) THEN {reply} ELSE {}
     IN net' \in {(net \ {m}) \cup answer, net \cup answer}
  /\ UNCHANGED <<up, todo, lastRead, crashes>>

Lose(m) ==
  /\ net' = net \ {m}
  /\ UNCHANGED <<entries, disk, clock, up, todo, lastRead, crashes>>

\* The replica and the clock are volatile: both are lost (shown as Empty and 0).
Crash(n) ==
  /\ up[n] /\ crashes < MaxCrashes
  /\ up' = [up EXCEPT ![n] = FALSE]
  /\ entries' = [entries EXCEPT ![n] = Empty]
  /\ clock' = [clock EXCEPT ![n] = 0]
  /\ crashes' = crashes + 1
  /\ UNCHANGED <<disk, net, todo, lastRead>>

Restart(n) ==
  /\ ~up[n]
  /\ up' = [up EXCEPT ![n] = TRUE]
  /\ entries' = [entries EXCEPT ![n] = disk[n]]
  /\ clock' = [clock EXCEPT ![n] = MaxTs(disk[n])]
  /\ UNCHANGED <<disk, net, todo, lastRead, crashes>>

Next ==
  \/ \E p \in todo : Put(p)
  \/ \E n \in Nodes, k \in Keys : Get(n, k)
  \/ \E n, q \in Nodes : n # q /\ Push(n, q)
  \/ \E m \in net : Receive(m) \/ Lose(m)
  \/ \E n \in Nodes : Crash(n) \/ Restart(n)

Spec == Init /\ [][Next]_vars

--------------------------------------------------------------------------------
Written == {p[3] : p \in Puts \ todo}

TypeOK ==
  /\ \A n \in Nodes, k \in Keys : entries[n][k] \in Reg /\ disk[n][k] \in Reg
  /\ crashes \in 0..MaxCrashes

\* Replicas (volatile and disk) never hold a value no client wrote.
NoValueNoClientWrote ==
  \A n \in Nodes, k \in Keys :
    /\ entries[n][k] # None => entries[n][k][2] \in Written
    /\ disk[n][k] # None => disk[n][k][2] \in Written

\* What a node once returned to a read is never above its current replica, so its reads
\* never go back, across restarts too (the reducer model checks the same on its history).
ReadsNeverGoBack == \A n \in Nodes, k \in Keys : up[n] => Leq(lastRead[n][k], entries[n][k])

\* Every acknowledged change is on disk: the disk equals the replica of a running node.
PersistedBeforeAck == \A n \in Nodes : up[n] => disk[n] = entries[n]

InFlightBound == Cardinality(net) <= MaxInFlight
================================================================================
