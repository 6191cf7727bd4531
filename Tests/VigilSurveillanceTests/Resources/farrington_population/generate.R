## farringtonFlexible with populationOffset = TRUE, for Vigil's tests; generated with R 4.2.2 and
## surveillance 1.20.3 (Debian bookworm packages): Rscript generate.R
## Input: salmonella.agona's 312 weekly counts with a synthetic, slowly growing population.
library(surveillance)
data("salmonella.agona")
y <- as.integer(salmonella.agona$observed)
n <- length(y)
pop <- round(50000 * (1 + 0.002 * (1:n)) + 300 * sin(2 * pi * (1:n) / 52))
write.csv(data.frame(t = 1:n, observed = y, population = pop), "input.csv", row.names = FALSE, quote = FALSE)
x <- sts(observed = y, population = matrix(pop, ncol = 1), start = c(1990, 1), frequency = 52)
fmt <- function(v) ifelse(is.na(v), "NA", sprintf("%.17g", v))
out <- function(file, ctrl) {
  res <- farringtonFlexible(x, control = ctrl)
  cc <- res@control
  write.csv(data.frame(t = ctrl$range, observed = y[ctrl$range], upperbound = fmt(as.numeric(upperbound(res))),
                       alarm = as.integer(as.logical(alarms(res))), expected = fmt(cc$expected[, 1]),
                       trend = as.integer(cc$trend[, 1]), phi = fmt(cc$phiVector[, 1])), file, row.names = FALSE, quote = FALSE)
}
out("expected_flexible_population.csv", list(range = 264:312, populationOffset = TRUE))
out("expected_flexible_population_noufaily.csv", list(range = 212:312, populationOffset = TRUE, noPeriods = 10, b = 4, w = 3,
                                                      pastWeeksNotIncluded = 26, pThresholdTrend = 1, thresholdMethod = "muan"))
## classic farrington with fitFun = "algo.farrington.fitGLM.populationOffset" (population from the sts)
far <- function(file, ctrl) {
  res <- farrington(x, control = ctrl)
  res0 <- algo.farrington(sts2disProg(x), control = ctrl)
  write.csv(data.frame(t = ctrl$range, observed = y[ctrl$range], upperbound = fmt(as.numeric(upperbound(res))),
                       alarm = as.integer(as.logical(alarms(res))), trend = as.integer(res0$trend),
                       expected = fmt(res0$control$pd[, 2])), file, row.names = FALSE, quote = FALSE)
}
far("expected_farrington_population.csv", list(range = 264:312, b = 5, w = 3, fitFun = "algo.farrington.fitGLM.populationOffset"))
far("expected_farrington_standard.csv", list(range = 212:312, b = 4, w = 3, alpha = 0.01, fitFun = "algo.farrington.fitGLM"))
