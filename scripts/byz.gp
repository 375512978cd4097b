# Equivocating voters: safety and liveness against the Byzantine fraction
# (called by scripts/byz-sweep).
# Variables set by the caller with -e:
#   term  terminal name ("pngcairo" or "png")
#   dat   data file, one block per setting (index 0 w8q5, 1 w16q9,
#         2 w16q12, 3 w8q5-together); columns: fraction both_share
#         analytic committed_share latency_p50 messages_per_commit ceiling
#   out   output PNG
# The analytic curves P(Binomial(w, f) >= 2q - w) use the (w, q) of
# byz-sweep's SETTINGS, written out below.

set terminal term size 1400,650 noenhanced
set output out

# P(X >= m) for X ~ Binomial(n, p).
binom(n, k) = exp(lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1))
tail(n, m, p) = sum [k = m:n] binom(n, k) * p**k * (1 - p)**(n - k)

array lab[4] = ["w8q5 (w 8, q 5)", "w16q9 (w 16, q 9, direct)", \
                "w16q12 (w 16, q 12, direct)", "w8q5 together (target share 0.2)"]
array col[4] = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"]
array pts[4] = [7, 5, 9, 11]

set style line 1 lw 2 pt 7 ps 1.3 lc rgb col[1]
set style line 2 lw 2 pt 5 ps 1.3 lc rgb col[2]
set style line 3 lw 2 pt 9 ps 1.5 lc rgb col[3]
set style line 4 lw 2 pt 11 ps 1.5 lc rgb col[4]
set samples 200
set grid xtics ytics lc rgb "#dddddd"
set xrange [-0.01:0.41]
set xtics 0, 0.05, 0.4 format "%.2f"
set xlabel "Byzantine fraction (byzantine = F, equivocating voters)"

set multiplot layout 1,2 title \
  "Equivocating voters: double spends committed on both sides, and liveness, against the Byzantine fraction (200 nodes)" \
  font ",14"

# --- left: safety ------------------------------------------------------------
set title "Safety: double-spend pairs committed on both sides"
set ylabel "share of double-spend pairs (both sides committed)"
set yrange [-0.02:1.02]
set ytics 0, 0.1, 1 format "%.1f"
set key top left box opaque samplen 3 font ",10" spacing 1.1
plot for [i = 1:4] dat index (i - 1) using 1:2 with linespoints ls i title lab[i] . " measured", \
     tail(8, 2, x)   with lines dt 2 lw 2 lc rgb col[1] title "analytic P(Bin(8, f) >= 2) (w8q5)", \
     tail(16, 2, x)  with lines dt 2 lw 2 lc rgb col[2] title "analytic P(Bin(16, f) >= 2) (w16q9)", \
     tail(16, 8, x)  with lines dt 2 lw 2 lc rgb col[3] title "analytic P(Bin(16, f) >= 8) (w16q12)"

# --- right: liveness ---------------------------------------------------------
set title "Liveness: transactions committed by every responsible node"
set ylabel "committed / submitted"
stats dat using 7 nooutput
ceil = STATS_max
stats dat using 4 nooutput
lo = STATS_min
ylo = lo > 0.3 ? floor((lo - 0.05) * 10) / 10 : 0
set yrange [ylo:ceil + 0.05]
set ytics ylo, 0.05, 1 format "%.2f"
set key bottom left box opaque samplen 3 font ",10" spacing 1.1
plot for [i = 1:4] dat index (i - 1) using 1:4 with linespoints ls i title lab[i], \
     dat index 0 using 1:7 with lines dt 3 lw 2 lc rgb "#7f7f7f" \
         title "ceiling: one side of every pair ((submitted - pairs) / submitted)"

unset multiplot
set output
