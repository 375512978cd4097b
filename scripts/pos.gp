# Proof of aligned storage: selection rate against storage density
# (called by scripts/pos-figures).
# Variables set by the caller with -e:
#   term  terminal name ("pngcairo" or "png")
#   dat   data file, two blocks:
#         index 0, one row per density (ec sim pos --json): density
#           same_ten shared_mean shared_ge8 accepted elected model_rho10
#           binomial_ge8
#         index 1, the seed's section 6.3.3 claims: density low high
#           (a claim "> 0.97" is drawn from 0.97 to 1)
#   title the run, for the figure's title
#   out   output PNG

set terminal term size 1100,720 noenhanced
set output out

set title "Proof of aligned storage: selection rate against storage density\n" . title font ",13"
set xlabel "storage density p (share of the neighborhood's tokens the responder stores)"
set ylabel "share of challenges"
set grid xtics ytics lc rgb "#dddddd"
set xrange [0.38:1.02]
set yrange [-0.02:1.05]
set xtics 0.4, 0.05, 1 format "%.2f"
set ytics 0, 0.1, 1 format "%.1f"
set key top left box opaque spacing 1.1 font ",10"

plot dat index 0 using 1:3 with linespoints lw 2 pt 7 ps 1.2 lc rgb "#1f77b4" \
         title "(ii) mean share of the ten the full peer's walk picks", \
     dat index 0 using 1:5 with linespoints lw 2 pt 5 ps 1.2 lc rgb "#2ca02c" \
         title "(iv) accepted: >= 8 of 10 agree, nothing contradicted", \
     dat index 0 using 1:4 with points pt 4 ps 2.0 lc rgb "#2ca02c" \
         title "(iii) >= 8 of 10 shared (= (iv) for an honest peer)", \
     dat index 0 using 1:2 with linespoints lw 2 pt 9 ps 1.3 lc rgb "#ff7f0e" \
         title "(i) the same ten tokens as a full peer, in order", \
     dat index 0 using 1:6 with linespoints lw 2 pt 11 ps 1.3 lc rgb "#9467bd" \
         title "(v) elected: 3 challenges all accepted", \
     dat index 0 using 1:7 with lines dt 2 lw 2 lc rgb "#ff7f0e" \
         title "model for (i) and the seed's 6.5.2 completeness: p^10", \
     dat index 0 using 1:8 with lines dt 3 lw 2 lc rgb "#2ca02c" \
         title "model for (iii) if the ten were shared independently: P(Bin(10, p) >= 8)", \
     dat index 1 using 1:(($2 + $3) / 2):2:3 with yerrorbars lw 3 pt 2 ps 2 lc rgb "#d62728" \
         title "the seed's 6.3.3 claims (> 97 % at 0.99, 60-70 % at 0.8, 25-30 % at 0.5)"

set output
