--------------------------- MODULE LayoutTransition ---------------------------
(***************************************************************************)
(* Cluster layout transitions that keep read-after-write (DESIGN §5.3,     *)
(* reference/garage.md §3). One key (one partition) is replicated on the   *)
(* node set NodesOf[v] of each layout version v. Writes go to EVERY active *)
(* version with W acks in each set; reads go to ReadVersion with R replies.*)
(* Per-node trackers ack, sync, syncAck (each node's own view of every     *)
(* node's value, merged by max through gossip) decide the read version and *)
(* when old versions retire. Crash-restart loses volatile state (pending   *)
(* writes, reads, running sync, the Merkle index's lag is rebuilt); message*)
(* loss is an action that is never taken. Gossip is abstracted as a merge  *)
(* of the sender's current view (proofs-notes/layout-transition.md).       *)
(*                                                                         *)
(* Names mirror src/core/layout/history.ts and transition-node.ts. The     *)
(* flags select the correct protocol (all TRUE) or one of its mutants.     *)
(***************************************************************************)
EXTENDS Naturals, FiniteSets

CONSTANTS Nodes,        \* every node has a role in every version
          MaxVersion,   \* versions 1..MaxVersion are committed in turn
          NodesOf,      \* NodesOf[v]: the nodes holding the key in version v
          W, R,         \* write and read quorums (R + W > rf, 2W > rf)
          MaxWrites, MaxReads, MaxCrashes,
          ReadAtReadVersion,  \* FALSE: reads go to the newest version (Garage < 1.0)
          AckLock,            \* FALSE: ack a new version with older writes in flight
          SyncWaitsForIndex,  \* FALSE: a sync pushes a lagging Merkle index (§3.8 gap)
          SyncChaining,       \* FALSE: sync target = AckMin only (Garage)
          RetireWhenAll       \* FALSE: retire when a majority has syncAck > v

Versions == 1..MaxVersion
None == [none |-> TRUE]   \* "no pending read / no running sync"

VARIABLES
  committed,  \* the newest committed version (the layout commit's output)
  vmin, vcur, \* node n's active versions are vmin[n]..vcur[n]
  ack, sync, syncAck,  \* ack[n][m]: node n's view of m's tracker
  store,      \* store[n]: the newest write (LWW = highest id) node n holds; 0 = none
  indexed,    \* indexed[n]: what n's Merkle index covers (sync pushes this)
  up,
  wpend,      \* wpend[w]: the pending write w: coordinator, planned, versions, acks
  wto,        \* wto[w]: the nodes write w was sent to (its messages outlive a crash)
  wrecv,      \* wrecv[w]: the nodes that stored w (its messages were delivered)
  wdone,      \* writes acknowledged to their client
  nwrites,
  rpend,      \* rpend[n]: n's pending read, or None
  rdone,      \* completed reads: [floor |-> newest acked write when it began, val |-> result]
  nreads,
  running,    \* running[n]: n's sync in progress, or None
  crashes

vars == <<committed, vmin, vcur, ack, sync, syncAck, store, indexed, up, wpend, wto, wrecv,
          wdone, nwrites, rpend, rdone, nreads, running, crashes>>

Max(a, b) == IF a >= b THEN a ELSE b
Min(a, b) == IF a <= b THEN a ELSE b
MaxOf(S) == CHOOSE x \in S : \A y \in S : y <= x
MinOf(S) == CHOOSE x \in S : \A y \in S : x <= y

Active(n) == vmin[n]..vcur[n]
\* A node missing from a tracker counts as MinStored (trackers start at 1 here).
T(tr, n, m) == Max(tr[n][m], vmin[n])
AckMin(n) == MinOf({T(ack, n, m) : m \in Nodes})
\* SyncedFor(n, r): for every active v < r, W nodes of NodesOf[v] have sync >= r.
SyncedFor(n, r) == \A v \in Active(n) : v >= r \/ Cardinality({m \in NodesOf[v] : T(sync, n, m) >= r}) >= W
ReadVersion(n) ==
  IF ReadAtReadVersion THEN MaxOf({r \in Active(n) : SyncedFor(n, r)}) ELSE vcur[n]
Locked(n) == {wpend[w].planned : w \in {x \in DOMAIN wpend : wpend[x].node = n}}
AckFree(n) == IF AckLock THEN Max(vmin[n], MinOf(Locked(n) \cup {vcur[n]})) ELSE vcur[n]
SyncTarget(n) == IF SyncChaining THEN Min(AckMin(n), ReadVersion(n) + 1) ELSE AckMin(n)
Enough(k, total) == IF RetireWhenAll THEN k = total ELSE 2 * k > total
Quorate(vs, got) == \A v \in vs : Cardinality(got \cap NodesOf[v]) >= W

Init ==
  /\ committed = 1
  /\ vmin = [n \in Nodes |-> 1] /\ vcur = [n \in Nodes |-> 1]
  /\ ack = [n \in Nodes |-> [m \in Nodes |-> 1]]
  /\ sync = [n \in Nodes |-> [m \in Nodes |-> 1]]
  /\ syncAck = [n \in Nodes |-> [m \in Nodes |-> 1]]
  /\ store = [n \in Nodes |-> 0] /\ indexed = [n \in Nodes |-> 0]
  /\ up = [n \in Nodes |-> TRUE]
  /\ wpend = [w \in {} |-> None]
  /\ wto = [w \in 1..MaxWrites |-> {}] /\ wrecv = [w \in 1..MaxWrites |-> {}]
  /\ wdone = {} /\ nwrites = 0
  /\ rpend = [n \in Nodes |-> None] /\ rdone = {} /\ nreads = 0
  /\ running = [n \in Nodes |-> None]
  /\ crashes = 0

SetOwn(tr, n, v) == [tr EXCEPT ![n][n] = Max(@, v)]

\* The operator applies the next committed version at a node that knows the newest one.
Apply(n) ==
  /\ up[n] /\ committed < MaxVersion /\ vcur[n] = committed
  /\ committed' = committed + 1 /\ vcur' = [vcur EXCEPT ![n] = committed + 1]
  /\ UNCHANGED <<vmin, ack, sync, syncAck, store, indexed, up, wpend, wto, wrecv, wdone, nwrites,
                 rpend, rdone, nreads, running, crashes>>

\* Gossip: m merges n's view (versions and trackers, per-node max).
Gossip(n, m) ==
  /\ up[n] /\ up[m] /\ n # m
  /\ IF vcur[m] < vmin[n]
       THEN vmin' = [vmin EXCEPT ![m] = vmin[n]] /\ vcur' = [vcur EXCEPT ![m] = vcur[n]]
       ELSE vcur' = [vcur EXCEPT ![m] = Max(@, vcur[n])] /\ UNCHANGED vmin
  /\ ack' = [ack EXCEPT ![m] = [k \in Nodes |-> Max(ack[m][k], ack[n][k])]]
  /\ sync' = [sync EXCEPT ![m] = [k \in Nodes |-> Max(sync[m][k], sync[n][k])]]
  /\ syncAck' = [syncAck EXCEPT ![m] = [k \in Nodes |-> Max(syncAck[m][k], syncAck[n][k])]]
  /\ <<vmin', vcur', ack', sync', syncAck'>> # <<vmin, vcur, ack, sync, syncAck>>
  /\ UNCHANGED <<committed, store, indexed, up, wpend, wto, wrecv, wdone, nwrites, rpend, rdone,
                 nreads, running, crashes>>

\* UpdateTrackers(n): ack := AckFree, syncAck := ReadVersion; then RetireVersions.
UpdateTrackers(n) ==
  /\ up[n]
  /\ ack' = SetOwn(ack, n, AckFree(n))
  /\ syncAck' = SetOwn(syncAck, n, ReadVersion(n))
  /\ <<ack', syncAck'>> # <<ack, syncAck>>
  /\ UNCHANGED <<committed, vmin, vcur, sync, store, indexed, up, wpend, wto, wrecv, wdone, nwrites,
                 rpend, rdone, nreads, running, crashes>>

Retire(n) ==
  /\ up[n] /\ vmin[n] < vcur[n]
  /\ Enough(Cardinality({m \in Nodes : T(syncAck, n, m) > vmin[n]}), Cardinality(Nodes))
  /\ vmin' = [vmin EXCEPT ![n] = @ + 1]
  /\ UNCHANGED <<committed, vcur, ack, sync, syncAck, store, indexed, up, wpend, wto, wrecv, wdone,
                 nwrites, rpend, rdone, nreads, running, crashes>>

StartWrite(n) ==
  /\ up[n] /\ nwrites < MaxWrites /\ rpend[n] = None
  /\ \A w \in DOMAIN wpend : wpend[w].node # n
  /\ LET w == nwrites + 1 IN
       /\ nwrites' = w
       /\ wpend' = [x \in DOMAIN wpend \cup {w} |->
                      IF x = w THEN [node |-> n, planned |-> vcur[n], vs |-> Active(n), acks |-> {}]
                      ELSE wpend[x]]
       /\ wto' = [wto EXCEPT ![w] = UNION {NodesOf[v] : v \in Active(n)}]
  /\ UNCHANGED <<committed, vmin, vcur, ack, sync, syncAck, store, indexed, up, wrecv, wdone,
                 rpend, rdone, nreads, running, crashes>>

\* Write w's message reaches m (it may also arrive after its coordinator crashed).
DeliverWrite(w, m) ==
  /\ w \in 1..nwrites /\ up[m] /\ m \notin wrecv[w]
  /\ m \in wto[w]
  /\ wrecv' = [wrecv EXCEPT ![w] = @ \cup {m}]
  /\ store' = [store EXCEPT ![m] = Max(@, w)]
  /\ UNCHANGED <<committed, vmin, vcur, ack, sync, syncAck, indexed, up, wpend, wto, wdone, nwrites,
                 rpend, rdone, nreads, running, crashes>>

\* The coordinator collects acks; W in every planned set completes w and releases its lock.
WriteAck(w, m) ==
  /\ w \in DOMAIN wpend /\ up[wpend[w].node] /\ m \in wrecv[w] /\ m \notin wpend[w].acks
  /\ LET p == [wpend[w] EXCEPT !.acks = @ \cup {m}] IN
       IF Quorate(p.vs, p.acks)
         THEN /\ wpend' = [x \in DOMAIN wpend \ {w} |-> wpend[x]]
              /\ wdone' = wdone \cup {w}
         ELSE /\ wpend' = [wpend EXCEPT ![w] = p]
              /\ UNCHANGED wdone
  /\ UNCHANGED <<committed, vmin, vcur, ack, sync, syncAck, store, indexed, up, wto, wrecv, nwrites,
                 rpend, rdone, nreads, running, crashes>>

StartRead(n) ==
  /\ up[n] /\ nreads < MaxReads /\ rpend[n] = None
  /\ \A w \in DOMAIN wpend : wpend[w].node # n
  /\ nreads' = nreads + 1
  /\ rpend' = [rpend EXCEPT ![n] = [floor |-> IF wdone = {} THEN 0 ELSE MaxOf(wdone),
                                   v |-> ReadVersion(n), got |-> {}, val |-> 0]]
  /\ UNCHANGED <<committed, vmin, vcur, ack, sync, syncAck, store, indexed, up, wpend, wto, wrecv,
                 wdone, nwrites, rdone, running, crashes>>

ReadReply(n, m) ==
  /\ up[n] /\ up[m] /\ rpend[n] # None
  /\ m \in NodesOf[rpend[n].v] /\ m \notin rpend[n].got
  /\ LET p == [rpend[n] EXCEPT !.got = @ \cup {m}, !.val = Max(@, store[m])] IN
       IF Cardinality(p.got) >= R
         THEN /\ rpend' = [rpend EXCEPT ![n] = None]
              /\ rdone' = rdone \cup {[floor |-> p.floor, val |-> p.val]}
         ELSE /\ rpend' = [rpend EXCEPT ![n] = p]
              /\ UNCHANGED rdone
  /\ UNCHANGED <<committed, vmin, vcur, ack, sync, syncAck, store, indexed, up, wpend, wto, wrecv,
                 wdone, nwrites, nreads, running, crashes>>

\* The Merkle index catches up with the store (asynchronous in a real node).
Index(n) ==
  /\ up[n] /\ indexed[n] # store[n]
  /\ indexed' = [indexed EXCEPT ![n] = store[n]]
  /\ UNCHANGED <<committed, vmin, vcur, ack, sync, syncAck, store, up, wpend, wto, wrecv, wdone,
                 nwrites, rpend, rdone, nreads, running, crashes>>

StartSync(n) ==
  /\ up[n] /\ running[n] = None /\ SyncTarget(n) > T(sync, n, n)
  /\ \E v \in Active(n) : n \in NodesOf[v]
  /\ LET snap == IF SyncWaitsForIndex THEN store[n] ELSE indexed[n] IN
       /\ running' = [running EXCEPT ![n] = [target |-> SyncTarget(n), snap |-> snap,
                                             vs |-> Active(n), acked |-> {n}]]
       /\ indexed' = [indexed EXCEPT ![n] = IF SyncWaitsForIndex THEN store[n] ELSE @]
  /\ UNCHANGED <<committed, vmin, vcur, ack, sync, syncAck, store, up, wpend, wto, wrecv, wdone,
                 nwrites, rpend, rdone, nreads, crashes>>

\* n's push reaches m, which stores the snapshot and acks.
Push(n, m) ==
  /\ up[m] /\ running[n] # None /\ m \notin running[n].acked
  /\ m \in UNION {NodesOf[v] : v \in running[n].vs}
  /\ store' = [store EXCEPT ![m] = Max(@, running[n].snap)]
  /\ running' = [running EXCEPT ![n].acked = @ \cup {m}]
  /\ UNCHANGED <<committed, vmin, vcur, ack, sync, syncAck, indexed, up, wpend, wto, wrecv, wdone,
                 nwrites, rpend, rdone, nreads, crashes>>

FinishSync(n) ==
  /\ up[n] /\ running[n] # None /\ Quorate(running[n].vs, running[n].acked)
  /\ sync' = SetOwn(sync, n, running[n].target)
  /\ running' = [running EXCEPT ![n] = None]
  /\ UNCHANGED <<committed, vmin, vcur, ack, syncAck, store, indexed, up, wpend, wto, wrecv, wdone,
                 nwrites, rpend, rdone, nreads, crashes>>

\* Crash: pending writes (their client gets no answer), reads and the sync are lost; the
\* store, versions and trackers are on disk; the index is rebuilt from the store.
Crash(n) ==
  /\ up[n] /\ crashes < MaxCrashes
  /\ crashes' = crashes + 1
  /\ up' = [up EXCEPT ![n] = FALSE]
  /\ wpend' = [w \in {x \in DOMAIN wpend : wpend[x].node # n} |-> wpend[w]]
  /\ rpend' = [rpend EXCEPT ![n] = None]
  /\ running' = [running EXCEPT ![n] = None]
  /\ indexed' = [indexed EXCEPT ![n] = store[n]]
  /\ UNCHANGED <<committed, vmin, vcur, ack, sync, syncAck, store, wto, wrecv, wdone, nwrites,
                 rdone, nreads>>

Restart(n) ==
  /\ ~up[n] /\ up' = [up EXCEPT ![n] = TRUE]
  /\ UNCHANGED <<committed, vmin, vcur, ack, sync, syncAck, store, indexed, wpend, wto, wrecv, wdone,
                 nwrites, rpend, rdone, nreads, running, crashes>>

Next ==
  \/ \E n \in Nodes : \/ Apply(n) \/ UpdateTrackers(n) \/ Retire(n) \/ StartWrite(n)
                      \/ StartRead(n) \/ Index(n) \/ StartSync(n) \/ FinishSync(n)
                      \/ Crash(n) \/ Restart(n)
  \/ \E n, m \in Nodes : Gossip(n, m) \/ ReadReply(n, m) \/ Push(n, m)
  \/ \E w \in 1..MaxWrites, m \in Nodes : DeliverWrite(w, m) \/ WriteAck(w, m)

Spec == Init /\ [][Next]_vars

-----------------------------------------------------------------------------
TypeOK ==
  /\ committed \in Versions
  /\ \A n \in Nodes : vmin[n] \in Versions /\ vcur[n] \in Versions /\ vmin[n] <= vcur[n]
  /\ store \in [Nodes -> 0..MaxWrites]

\* A read that began after a write was acknowledged returns it or a later one.
ReadAfterWrite == \A r \in rdone : r.val >= r.floor

\* No version is retired (by any node) while a node of the current version still reads it.
RetiredNotRead == \A a, b \in Nodes : (up[a] /\ up[b]) => ReadVersion(b) >= vmin[a]
=============================================================================
