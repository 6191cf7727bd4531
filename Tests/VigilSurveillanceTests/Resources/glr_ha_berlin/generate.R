## Reference outputs for GLR detectors, generated for Vigil's tests with
## R 4.2.2 and surveillance 1.20.3 (Debian bookworm packages), run in this folder:
##   Rscript generate.R
library(surveillance)
inp <- read.csv("input.csv")
x <- sts(observed = inp$observed, start = c(2001, 1), frequency = 52)
fmt <- function(v) ifelse(is.na(v), "NA", sprintf("%.17g", v))
run <- function(file, ctrl, algo = algo.glrpois) {
  res <- algo(sts2disProg(x), control = ctrl)
  out <- data.frame(t = ctrl$range, observed = inp$observed[ctrl$range],
                    mu0 = fmt(rep_len(as.numeric(res$control$mu0), length(ctrl$range))),
                    upperbound = fmt(as.numeric(res$upperbound)),
                    alarm = as.integer(as.logical(res$alarm)))
  write.csv(out, file, row.names = FALSE, quote = FALSE)
}
r <- 209:290
run("expected_glrpois_value.csv", list(range = r, c.ARL = 5, mu0 = NULL, Mtilde = 1, M = -1, change = "intercept", theta = NULL, dir = "inc", ret = "value"))
run("expected_glrpois_cases_window.csv", list(range = r, c.ARL = 4, mu0 = NULL, Mtilde = 2, M = 20, change = "intercept", dir = "inc", ret = "cases"))
run("expected_glrpois_theta.csv", list(range = r, c.ARL = 3, mu0 = NULL, change = "intercept", theta = log(2), ret = "cases"))
run("expected_glrpois_epi.csv", list(range = r, c.ARL = 3, mu0 = list(S = 2, trend = TRUE), change = "epi", M = 30))
run("expected_glrpois_dec.csv", list(range = r, c.ARL = 2, mu0 = rep(2.5, length(r)), dir = "dec", ret = "value"))
run("expected_glrnb_value.csv", list(range = r, c.ARL = 3, mu0 = NULL, alpha = 0.3, Mtilde = 1, M = -1, change = "intercept", dir = "inc", ret = "value"), algo.glrnb)
run("expected_glrnb_theta.csv", list(range = r, c.ARL = 3, mu0 = NULL, alpha = 0.3, change = "intercept", theta = log(1.8), ret = "cases"), algo.glrnb)
run("expected_glrnb_cases.csv", list(range = r, c.ARL = 3, mu0 = NULL, alpha = 0.3, M = 25, ret = "cases"), algo.glrnb)
run("expected_glrnb_epi.csv", list(range = r, c.ARL = 2, mu0 = NULL, alpha = 0.3, change = "epi", M = 25), algo.glrnb)
## glrnb with alpha left out: mu0 and alpha = 1/theta from MASS::glm.nb on the training weeks
run("expected_glrnb_glmnb.csv", list(range = r, c.ARL = 3, mu0 = NULL, change = "intercept", ret = "value"), algo.glrnb)
run("expected_glrnb_glmnb_harmonics.csv", list(range = r, c.ARL = 4, mu0 = list(S = 2, trend = TRUE), M = 30, ret = "value"), algo.glrnb)
