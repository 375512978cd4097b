# The lifecycle over time (called by scripts/life-figures).
# Variables set by the caller with -e:
#   term  terminal name ("pngcairo" or "png")
#   dir   folder of the CSV files (ec sim run --csv with the lifecycle on:
#         second,submitted,committed,messages,delivered,lost,sampled,
#         connected_1,connected_4,coord_quorum,honest_quorum)
#   fig   "conn" (life-conn-*.csv) or "attack" (life-attack-*.csv)
#   out   output PNG

set terminal term size 1100,640 noenhanced
set output out
set datafile separator ","
set key autotitle columnhead
set grid xtics ytics lc rgb "#dddddd"
set xlabel "simulated time (s)"
set yrange [-0.02:1.05]
set ytics 0, 0.1, 1 format "%.1f"
set key bottom right box opaque spacing 1.1 font ",10"
share(a, b) = column(b) > 0 ? column(a) / column(b) : NaN

if (fig eq "conn") {
  set title "Connectivity under churn (seed 7.6): 75 nodes, swaps every 2 min, sampled every 10 s\n(ec sim run scenarios/connectivity.conf, nodes = 75, preload = 75000)" font ",13"
  set ylabel "share of the honest nodes up with >= 4 connected peers up"
  set arrow from 60, graph 0 to 60, graph 1 nohead dt 2 lc rgb "#999999"
  set arrow from 360, graph 0 to 360, graph 1 nohead dt 2 lc rgb "#999999"
  set label "node churn: 30 % down" at 65, 0.08 font ",9"
  set label "back" at 365, 0.08 font ",9"
  plot dir."/life-conn-none.csv" using 1:(share(9, 7)) with lines lw 2 lc rgb "#1f77b4" title "no churn", \
       dir."/life-conn-node.csv" using 1:(share(9, 7)) with lines lw 2 lc rgb "#d62728" title "node churn (crash = 60 360 0.3)", \
       dir."/life-conn-link.csv" using 1:(share(9, 7)) with lines lw 2 lc rgb "#2ca02c" title "link churn (loss = 0.1)"
} else {
  set title "The attack window on quorums (seed 7.5): 40 nodes, 30 % coordinated, life_target = 16\n(ec sim run scenarios/attack-window.conf)" font ",13"
  set ylabel "share of honest nodes"
  set key right center
  plot dir."/life-attack-ungated.csv" using 1:(share(10, 7)) with lines lw 2 lc rgb "#d62728" title "coordinated quorum: every eligible vote", \
       dir."/life-attack-gated-noswap.csv" using 1:(share(10, 7)) with lines lw 2 dt 2 lc rgb "#ff7f0e" title "coordinated quorum: gated, no swaps", \
       dir."/life-attack-gated.csv" using 1:(share(10, 7)) with lines lw 2 lc rgb "#1f77b4" title "coordinated quorum: gated, swaps every 60 s", \
       dir."/life-attack-ungated.csv" using 1:(share(11, 7)) with lines lw 1 lc rgb "#e377c2" title "honest quorum: every eligible vote", \
       dir."/life-attack-gated.csv" using 1:(share(11, 7)) with lines lw 1 lc rgb "#17becf" title "honest quorum: gated, swaps every 60 s"
}
