# Equivocating voters: safety and liveness against the Byzantine fraction
# (called by scripts/byz-sweep).
# Variables set by the caller with -e:
#   term  terminal name ("pngcairo" or "png")
#   dat   data file, one block per setting, in byz-sweep's SETTINGS order:
#         index 0 w8q5, 1 w16q9, 2 w16q12, 3 w8q5-together, 4 w8q5-noev,
#         5 w16q12-noev (-noev: ignore_evidence = true), 6 w8q5-strategic,
#         7 w8q5-holdecho-strategic (strategic equivocators; the second
#         with commit_hold_ms = 100, commit_echo = true); columns: fraction
#         both_share analytic committed_share latency_p50
#         messages_per_commit ceiling
#   out   output PNG
# Setting i (gnuplot index i - 1) is drawn with line style i and titled
# lab[i]; a -noev setting has its evidence-acted-on counterpart's colour,
# dash-dotted, with hollow points.
# The analytic curves P(Binomial(w, f) >= 2q - w) use the (w, q) of
# byz-sweep's SETTINGS, written out below.

set terminal term size 1400,960 noenhanced
set output out

# P(X >= m) for X ~ Binomial(n, p).
binom(n, k) = exp(lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1))
tail(n, m, p) = sum [k = m:n] binom(n, k) * p**k * (1 - p)**(n - k)

array lab[8] = ["w8q5 (w 8, q 5)", "w16q9 (w 16, q 9, direct)", \
                "w16q12 (w 16, q 12, direct)", "w8q5 together (target share 0.2)", \
                "w8q5, evidence ignored", "w16q12, evidence ignored", \
                "w8q5, strategic equivocators", "w8q5 + hold and echo, strategic"]
array col[6] = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"]

set style line 1 lw 2 pt 7 ps 1.3 lc rgb col[1]
set style line 2 lw 2 pt 5 ps 1.3 lc rgb col[2]
set style line 3 lw 2 pt 9 ps 1.5 lc rgb col[3]
set style line 4 lw 2 pt 11 ps 1.5 lc rgb col[4]
set style line 5 lw 2 dt (10,4,2,4) pt 6 ps 1.3 lc rgb col[1]    # w8q5-noev: hollow circle
set style line 6 lw 2 dt (10,4,2,4) pt 8 ps 1.5 lc rgb col[3]    # w16q12-noev: hollow triangle
set style line 7 lw 2 dt (6,4) pt 13 ps 1.5 lc rgb col[5]         # strategic, quorum and evidence only
set style line 8 lw 3 pt 15 ps 1.5 lc rgb col[6]                  # strategic, hold and echo
set samples 200
set bmargin 15    # room for the keys, drawn at the foot of the page
set grid xtics ytics lc rgb "#dddddd"
set xrange [-0.01:0.41]
set xtics 0, 0.05, 0.4 format "%.2f"
set xlabel "Byzantine fraction (byzantine = F, equivocating voters)"

set multiplot layout 1,2 title \
  "Equivocating voters: double spends committed on both sides, and liveness, against the Byzantine fraction (200 nodes)" \
  font ",14"

# --- left: safety ------------------------------------------------------------
# Log y, since the measured shares sit one to two decades below the analytic
# ones; a share of exactly 0 is drawn at z0, below a break, on a tick "0".
z0 = 1e-4
zy(v) = v > 0 ? v : z0
clip(f, v) = (f > 0 && v >= 3e-4) ? v : 1/0   # curves stop above the break
set title "Safety: double-spend pairs committed on both sides (log scale; 0 drawn at the bottom)"
set ylabel "share of double-spend pairs with both sides committed"
set logscale y
set yrange [z0 / 1.6:1.6]
set ytics ("0" z0, "0.001" 1e-3, "0.003" 3e-3, "0.01" 1e-2, "0.03" 3e-2, "0.1" 0.1, \
           "0.3" 0.3, "1" 1)
set arrow 1 from graph 0, first 2.2e-4 to graph 1, first 2.2e-4 nohead dt 3 lc rgb "#999999"
# Two columns: the eight measured settings, then the three analytic curves.
# (width -10: gnuplot sizes the columns by the default font, not ",10".)
set key at screen 0.25, 0.185 center top vertical maxrows 8 reverse Left box \
    samplen 5 spacing 1.05 width -10 height 1 font ",10"
plot for [i = 1:4] dat index (i - 1) using 1:(zy($2)) with linespoints ls i \
         title lab[i] . " measured", \
     for [i = 5:8] dat index (i - 1) using 1:(zy($2)) with linespoints ls i \
         title lab[i], \
     clip(x, tail(8, 2, x)) with lines dt 2 lw 2 lc rgb col[1] \
         title "analytic P(Bin(8, f) >= 2) (w8q5)", \
     clip(x, tail(16, 2, x)) with lines dt 2 lw 2 lc rgb col[2] \
         title "analytic P(Bin(16, f) >= 2) (w16q9)", \
     clip(x, tail(16, 8, x)) with lines dt 2 lw 2 lc rgb col[3] \
         title "analytic P(Bin(16, f) >= 8) (w16q12)", \
     for [k = 1:5] keyentry with lines lt nodraw title " "   # fill column 2
unset logscale y
unset arrow 1

# --- right: liveness ---------------------------------------------------------
set title "Liveness: transactions committed by every responsible node"
set ylabel "committed / submitted"
stats dat using 7 nooutput
ceil = STATS_max
stats dat using 4 nooutput
lo = STATS_min
ylo = lo > 0.3 ? floor((lo - 0.02) * 20) / 20.0 : 0    # 20.0: floor() is an integer
set yrange [ylo:ceil + 0.05]
set ytics ylo, 0.05, 1 format "%.2f"
# One column of nine (gnuplot would otherwise wrap it into two, too wide).
set key at screen 0.76, 0.185 center top vertical maxrows 9 reverse Left box \
    samplen 5 spacing 1.05 width -10 height 1 font ",10"
plot for [i = 1:8] dat index (i - 1) using 1:4 with linespoints ls i title lab[i], \
     dat index 0 using 1:7 with lines dt 3 lw 2 lc rgb "#7f7f7f" \
         title "ceiling: one side per pair, (submitted - pairs) / submitted"

unset multiplot
set output
