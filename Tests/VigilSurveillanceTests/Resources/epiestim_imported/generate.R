## EpiEstim::estimate_R with local and imported cases, for Vigil's tests; generated with R 4.2.2 and
## EpiEstim 2.2.4 (Debian bookworm packages): Rscript generate.R
## Input: Flu2009's incidence as local cases plus a few imported cases (synthetic), custom windows
## and a non-default prior.
library(EpiEstim)
data("Flu2009")
I <- Flu2009$incidence$I
n <- length(I)
imported <- c(2, 1, 0, 0, 3, 0, 0, 1, rep(0, n - 8))
local <- I; local[1] <- 0
write.csv(data.frame(t = 1:n, local = local, imported = imported), "input.csv", row.names = FALSE, quote = FALSE)
fmt <- function(df) { df[] <- lapply(df, function(v) ifelse(is.na(v), "NA", sprintf("%.17g", v))); df }
res <- estimate_R(data.frame(local = local, imported = imported), method = "parametric_si",
                  config = make_config(list(mean_si = 3.1, std_si = 2, t_start = c(2, 5, 10, 20), t_end = c(9, 12, 25, 32),
                                            mean_prior = 2, std_prior = 1)))
write.csv(fmt(res$R), "expected_parametric_custom.csv", row.names = FALSE, quote = FALSE)
