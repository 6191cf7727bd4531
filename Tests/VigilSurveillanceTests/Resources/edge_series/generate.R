## Edge-case weekly series (all zeros, sparse, constant, trend, spikes) for Vigil tests, generated with
## R 4.2.2 and surveillance 1.20.3 (Debian bookworm packages): Rscript generate.R
library(surveillance)
set.seed(7)
n <- 312
series <- list(
  zeros = rep(0L, n),
  sparse = as.integer(rbinom(n, 1, 0.03)),
  const = rep(3L, n),
  trend = as.integer(rpois(n, exp(0.5 + 0.008 * (1:n)))),
  spiky = as.integer(rpois(n, 2) + ifelse(runif(n) < 0.05, 30L, 0L))
)
fmt <- function(v) ifelse(is.na(v), "NA", sprintf("%.17g", v))
for (nm in names(series)) {
  y <- series[[nm]]
  write.csv(data.frame(t = 1:n, observed = y), paste0("e_", nm, ".csv"), row.names = FALSE, quote = FALSE)
  x <- sts(observed = y, start = c(1990, 1), frequency = 52)
  r <- 264:312
  out <- data.frame(t = r)
  f <- tryCatch(farrington(x, control = list(range = r, b = 5, w = 3)), error = function(e) { cat(nm, "farrington error:", conditionMessage(e), "\n"); NULL })
  if (!is.null(f)) { out$f_ub <- fmt(upperbound(f)); out$f_al <- as.integer(alarms(f)) } else { out$f_ub <- "ERR"; out$f_al <- "ERR" }
  ff <- tryCatch(suppressWarnings(farringtonFlexible(x, control = list(range = r, glmWarnings = FALSE))), error = function(e) { cat(nm, "flex error:", conditionMessage(e), "\n"); NULL })
  if (!is.null(ff)) { out$ff_ub <- fmt(upperbound(ff)); out$ff_al <- as.integer(alarms(ff)) } else { out$ff_ub <- "ERR"; out$ff_al <- "ERR" }
  fn <- tryCatch(suppressWarnings(farringtonFlexible(x, control = list(range = r, noPeriods = 10, b = 4, w = 3, pastWeeksNotIncluded = 26, pThresholdTrend = 1, thresholdMethod = "nbPlugin", glmWarnings = FALSE))), error = function(e) { cat(nm, "noufaily error:", conditionMessage(e), "\n"); NULL })
  if (!is.null(fn)) { out$fn_ub <- fmt(upperbound(fn)); out$fn_al <- as.integer(alarms(fn)) } else { out$fn_ub <- "ERR"; out$fn_al <- "ERR" }
  for (m in c("C1", "C3")) { e <- earsC(x, control = list(method = m, range = r)); out[[paste0(m, "_ub")]] <- fmt(upperbound(e)); out[[paste0(m, "_al")]] <- as.integer(alarms(e)) }
  names(out) <- c("t", "f_ub", "f_al", "ff_ub", "ff_al", "fn_ub", "fn_al", "C1_ub", "C1_al", "C3_ub", "C3_al")
  write.csv(out, paste0("e_", nm, "_R.csv"), row.names = FALSE, quote = FALSE)
}
