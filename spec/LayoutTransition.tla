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
(* loss is an action that is never taken. Gossip merges a view the sender *)
(* had at some time (messages may be stale). Every node step ends with    *)
(* Settle (own trackers raised, then retirement), as the reducer's steps   *)
(* do, so the reducer refines this spec step for step                      *)
(* (proofs-notes/layout-transition.md, "Refinement").                      *)
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
  crashes,
  orphans     \* pushes [from, to, snap, target] still in flight of syncs that ended (crash, or done)

vars == <<committed, vmin, vcur, ack, sync, syncAck, store, indexed, up, wpend, wto, wrecv,
          wdone, nwrites, rpend, rdone, nreads, running, crashes, orphans>>

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
  /\ orphans = {}

\* Raise(row, n, v, lo): n's own entry of a tracker row raised to v unless its effective
\* value (at least lo, the oldest active version) already reaches v (history.ts withTracker).
Raise(row, n, v, lo) == IF Max(row[n], lo) >= v THEN row ELSE [row EXCEPT ![n] = v]

\* ReadVersion for explicit values: active versions lo..hi, sync row sy.
RV(lo, hi, sy) ==
  IF ReadAtReadVersion
    THEN MaxOf({r \in lo..hi : \A v \in lo..hi :
                  v >= r \/ Cardinality({m \in NodesOf[v] : Max(sy[m], lo) >= r}) >= W})
    ELSE hi

\* Every step of a node ends with settle (transition-node.ts): its own ack is raised to
\* AckFree, its own syncAck to ReadVersion, then the oldest versions retire while every node
\* has syncAck > them. Settle(n, lo, hi, ac, sy, sa, wp) sets n's part of the next state from
\* the values the step itself produced (versions lo..hi, tracker rows ac, sy, sa, writes wp).
Settle(n, lo, hi, ac, sy, sa, wp) ==
  LET locked == {wp[w].planned : w \in {x \in DOMAIN wp : wp[x].node = n}}
      af == IF AckLock THEN Max(lo, MinOf(locked \cup {hi})) ELSE hi
      sa2 == Raise(sa, n, RV(lo, hi, sy), lo)
      ok(j) == Enough(Cardinality({m \in Nodes : sa2[m] > j}), Cardinality(Nodes))
      lo2 == MaxOf({k \in lo..hi : \A j \in lo..(k - 1) : ok(j)})
  IN /\ vmin' = [vmin EXCEPT ![n] = lo2]
     /\ vcur' = [vcur EXCEPT ![n] = hi]
     /\ ack' = [ack EXCEPT ![n] = Raise(ac, n, af, lo)]
     /\ sync' = [sync EXCEPT ![n] = sy]
     /\ syncAck' = [syncAck EXCEPT ![n] = sa2]

\* Settle with n's current values (a step that changed nothing else, e.g. a sync timer that
\* started no sync). Also covers the spec's former UpdateTrackers and Retire.
SettleOnly(n) ==
  /\ up[n]
  /\ Settle(n, vmin[n], vcur[n], ack[n], sync[n], syncAck[n], wpend)
  /\ UNCHANGED <<committed, store, indexed, up, wpend, wto, wrecv, wdone, nwrites,
                 rpend, rdone, nreads, running, crashes, orphans>>

\* The operator applies the next committed version at a node that knows the newest one.
Apply(n) ==
  /\ up[n] /\ committed < MaxVersion /\ vcur[n] = committed
  /\ committed' = committed + 1
  /\ Settle(n, vmin[n], committed + 1, ack[n], sync[n], syncAck[n], wpend)
  /\ UNCHANGED <<store, indexed, up, wpend, wto, wrecv, wdone, nwrites,
                 rpend, rdone, nreads, running, crashes, orphans>>

\* Gossip: m merges a view that n had at some time (a message may be stale): versions lo..hi
\* with lo <= vmin[n], hi <= vcur[n], and tracker rows between m's and the max of m's and n's
\* (trackers only grow, so every past view of n lies below its current one).
Between(f, g) == {h \in [Nodes -> Versions] : \A k \in Nodes : f[k] <= h[k] /\ h[k] <= Max(f[k], g[k])}
Gossip(n, m) ==
  /\ up[m] /\ n # m
  /\ \E lo \in 1..vmin[n], hi \in 1..vcur[n], ac \in Between(ack[m], ack[n]),
        sy \in Between(sync[m], sync[n]), sa \in Between(syncAck[m], syncAck[n]) :
       /\ lo <= hi
       /\ IF vcur[m] < lo
            THEN Settle(m, lo, hi, ac, sy, sa, wpend)
            ELSE Settle(m, vmin[m], Max(vcur[m], hi), ac, sy, sa, wpend)
  /\ UNCHANGED <<committed, store, indexed, up, wpend, wto, wrecv, wdone, nwrites, rpend, rdone,
                 nreads, running, crashes, orphans>>

\* The coordinator plans w against its active versions; if it holds the key it stores w and
\* counts its own ack in the same step (and w may be complete at once).
StartWrite(n) ==
  /\ up[n] /\ nwrites < MaxWrites /\ rpend[n] = None
  /\ \A w \in DOMAIN wpend : wpend[w].node # n
  /\ LET w == nwrites + 1
         to == UNION {NodesOf[v] : v \in Active(n)}
         local == n \in to
         p == [node |-> n, planned |-> vcur[n], vs |-> Active(n), acks |-> IF local THEN {n} ELSE {}]
         wp == IF Quorate(p.vs, p.acks)
                 THEN [x \in DOMAIN wpend |-> wpend[x]]
                 ELSE [x \in DOMAIN wpend \cup {w} |-> IF x = w THEN p ELSE wpend[x]]
     IN /\ nwrites' = w
        /\ wpend' = wp
        /\ wdone' = IF Quorate(p.vs, p.acks) THEN wdone \cup {w} ELSE wdone
        /\ wto' = [wto EXCEPT ![w] = to]
        /\ wrecv' = [wrecv EXCEPT ![w] = IF local THEN {n} ELSE {}]
        /\ store' = IF local THEN [store EXCEPT ![n] = Max(@, w)] ELSE store
        /\ Settle(n, vmin[n], vcur[n], ack[n], sync[n], syncAck[n], wp)
  /\ UNCHANGED <<committed, indexed, up, rpend, rdone, nreads, running, crashes, orphans>>

\* Write w's message reaches m (it may also arrive after its coordinator crashed).
DeliverWrite(w, m) ==
  /\ w \in 1..nwrites /\ up[m] /\ m \notin wrecv[w]
  /\ m \in wto[w]
  /\ wrecv' = [wrecv EXCEPT ![w] = @ \cup {m}]
  /\ store' = [store EXCEPT ![m] = Max(@, w)]
  /\ UNCHANGED <<committed, vmin, vcur, ack, sync, syncAck, indexed, up, wpend, wto, wdone, nwrites,
                 rpend, rdone, nreads, running, crashes, orphans>>

\* The coordinator collects acks; W in every planned set completes w and releases its lock.
WriteAck(w, m) ==
  /\ w \in DOMAIN wpend /\ up[wpend[w].node] /\ m \in wrecv[w] /\ m \notin wpend[w].acks
  /\ LET n == wpend[w].node
         p == [wpend[w] EXCEPT !.acks = @ \cup {m}]
         wp == IF Quorate(p.vs, p.acks)
                 THEN [x \in DOMAIN wpend \ {w} |-> wpend[x]]
                 ELSE [wpend EXCEPT ![w] = p]
     IN /\ wpend' = wp
        /\ wdone' = IF Quorate(p.vs, p.acks) THEN wdone \cup {w} ELSE wdone
        /\ Settle(n, vmin[n], vcur[n], ack[n], sync[n], syncAck[n], wp)
  /\ UNCHANGED <<committed, store, indexed, up, wto, wrecv, nwrites,
                 rpend, rdone, nreads, running, crashes, orphans>>

\* A read goes to ReadVersion's set; a node in that set answers itself in the same step.
StartRead(n) ==
  /\ up[n] /\ nreads < MaxReads /\ rpend[n] = None
  /\ \A w \in DOMAIN wpend : wpend[w].node # n
  /\ nreads' = nreads + 1
  /\ LET v == ReadVersion(n)
         local == n \in NodesOf[v]
         p == [floor |-> IF wdone = {} THEN 0 ELSE MaxOf(wdone), v |-> v,
               got |-> IF local THEN {n} ELSE {}, val |-> IF local THEN store[n] ELSE 0]
     IN IF Cardinality(p.got) >= R
          THEN /\ rdone' = rdone \cup {[floor |-> p.floor, val |-> p.val]}
               /\ UNCHANGED rpend
          ELSE /\ rpend' = [rpend EXCEPT ![n] = p]
               /\ UNCHANGED rdone
  /\ UNCHANGED <<committed, vmin, vcur, ack, sync, syncAck, store, indexed, up, wpend, wto, wrecv,
                 wdone, nwrites, running, crashes, orphans>>

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
                 wdone, nwrites, nreads, running, crashes, orphans>>

\* The Merkle index catches up with the store (asynchronous in a real node).
Index(n) ==
  /\ up[n] /\ indexed[n] # store[n]
  /\ indexed' = [indexed EXCEPT ![n] = store[n]]
  /\ UNCHANGED <<committed, vmin, vcur, ack, sync, syncAck, store, up, wpend, wto, wrecv, wdone,
                 nwrites, rpend, rdone, nreads, running, crashes, orphans>>

\* A sync pushes to every node of every active set of the partitions n holds (none: nothing
\* to push, and it completes at once, as it does when n alone makes every quorum).
StartSync(n) ==
  /\ up[n] /\ running[n] = None /\ SyncTarget(n) > T(sync, n, n)
  /\ LET snap == IF SyncWaitsForIndex THEN store[n] ELSE indexed[n]
         vs == IF \E v \in Active(n) : n \in NodesOf[v] THEN Active(n) ELSE {}
         done == Quorate(vs, {n})
         sy == IF done THEN Raise(sync[n], n, SyncTarget(n), vmin[n]) ELSE sync[n]
     IN /\ running' = IF done THEN running
                      ELSE [running EXCEPT ![n] = [target |-> SyncTarget(n), snap |-> snap,
                                                   vs |-> vs, acked |-> {n}]]
        /\ indexed' = [indexed EXCEPT ![n] = IF SyncWaitsForIndex THEN store[n] ELSE @]
        \* A push of n's crashed sync equal to one of this sync (same target and snapshot) is,
        \* on the wire, this sync's push: its ack counts for this sync.
        /\ orphans' = IF done THEN orphans
                      ELSE orphans \ {o \in orphans : o.from = n /\ o.target = SyncTarget(n) /\ o.snap = snap}
        /\ Settle(n, vmin[n], vcur[n], ack[n], sy, syncAck[n], wpend)
  /\ UNCHANGED <<committed, store, up, wpend, wto, wrecv, wdone,
                 nwrites, rpend, rdone, nreads, crashes>>

\* n's push reaches m, which stores the snapshot and acks.
Push(n, m) ==
  /\ up[m] /\ running[n] # None /\ m \notin running[n].acked
  /\ m \in UNION {NodesOf[v] : v \in running[n].vs}
  /\ store' = [store EXCEPT ![m] = Max(@, running[n].snap)]
  /\ running' = [running EXCEPT ![n].acked = @ \cup {m}]
  /\ UNCHANGED <<committed, vmin, vcur, ack, sync, syncAck, indexed, up, wpend, wto, wrecv, wdone,
                 nwrites, rpend, rdone, nreads, crashes, orphans>>

\* The pushes of n's running sync that have not arrived yet.
Undelivered(n) ==
  IF running[n] = None THEN {}
  ELSE {[from |-> n, to |-> m, snap |-> running[n].snap, target |-> running[n].target] :
          m \in (UNION {NodesOf[v] : v \in running[n].vs}) \ running[n].acked}

FinishSync(n) ==
  /\ up[n] /\ running[n] # None /\ Quorate(running[n].vs, running[n].acked)
  /\ running' = [running EXCEPT ![n] = None]
  /\ orphans' = orphans \cup Undelivered(n)   \* pushes beyond the quorums are still in flight
  /\ Settle(n, vmin[n], vcur[n], ack[n], Raise(sync[n], n, running[n].target, vmin[n]), syncAck[n], wpend)
  /\ UNCHANGED <<committed, store, indexed, up, wpend, wto, wrecv, wdone,
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
  \* The pushes of its sync still in flight outlive it.
  /\ orphans' = orphans \cup Undelivered(n)
  /\ UNCHANGED <<committed, vmin, vcur, ack, sync, syncAck, store, wto, wrecv, wdone, nwrites,
                 rdone, nreads>>

\* A push of an ended sync reaches its node, which stores the snapshot.
DeliverOrphan(o) ==
  /\ o \in orphans /\ up[o.to]
  /\ store' = [store EXCEPT ![o.to] = Max(@, o.snap)]
  /\ orphans' = orphans \ {o}
  /\ UNCHANGED <<committed, vmin, vcur, ack, sync, syncAck, indexed, up, wpend, wto, wrecv, wdone,
                 nwrites, rpend, rdone, nreads, running, crashes>>

\* Restart (Recover) settles with the write locks gone.
Restart(n) ==
  /\ ~up[n] /\ up' = [up EXCEPT ![n] = TRUE]
  /\ Settle(n, vmin[n], vcur[n], ack[n], sync[n], syncAck[n], wpend)
  /\ UNCHANGED <<committed, store, indexed, wpend, wto, wrecv, wdone,
                 nwrites, rpend, rdone, nreads, running, crashes, orphans>>

Next ==
  \/ \E n \in Nodes : \/ SettleOnly(n) \/ Apply(n) \/ StartWrite(n)
                      \/ StartRead(n) \/ Index(n) \/ StartSync(n) \/ FinishSync(n)
                      \/ Crash(n) \/ Restart(n)
  \/ \E n, m \in Nodes : Gossip(n, m) \/ ReadReply(n, m) \/ Push(n, m)
  \/ \E w \in 1..MaxWrites, m \in Nodes : DeliverWrite(w, m) \/ WriteAck(w, m)
  \/ \E o \in orphans : DeliverOrphan(o)

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
