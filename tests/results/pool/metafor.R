# Golden meta-analyses for tests/federated/test_meta.py, computed with R metafor.
# Run: Rscript tests/results/pool/metafor.R   (writes metafor.csv beside this script)
suppressMessages(library(metafor))
cases <- list(
  list(name = "case1_heterogeneous", y = c(0.10, 0.35, -0.05, 0.42, 0.20),
       v = c(0.010, 0.020, 0.015, 0.030, 0.012)),
  list(name = "case2_homogeneous", y = c(0.20, 0.21, 0.19), v = c(0.04, 0.05, 0.03)),
  list(name = "case3_two_sites", y = c(-0.30, 0.50), v = c(0.02, 0.03)),
  list(name = "case4_loghr", y = log(c(0.72, 0.95, 0.60, 1.10, 0.81, 0.55)),
       v = c(0.045, 0.060, 0.080, 0.050, 0.030, 0.110))
)
out <- data.frame()
for (cs in cases) {
  for (m in c("FE", "DL", "REML")) {
    f <- rma(yi = cs$y, vi = cs$v, method = m, control = list(threshold = 1e-12, maxiter = 1000))
    out <- rbind(out, data.frame(case = cs$name, method = m,
      y = paste(format(cs$y, digits = 17), collapse = ";"),
      v = paste(format(cs$v, digits = 17), collapse = ";"),
      estimate = as.numeric(f$b), se = f$se, ci_low = f$ci.lb, ci_high = f$ci.ub, p = f$pval,
      tau2 = f$tau2, i2 = f$I2, q = f$QE, q_p = f$QEp))
  }
}
here <- dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE)))
write.csv(out, file.path(here, "metafor.csv"), row.names = FALSE)
