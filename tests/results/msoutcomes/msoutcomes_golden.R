# Golden outputs of the R package MSoutcomes 0.2.1 (CRAN, MIT) on msrwe's synthetic cohorts.
#
#   Rscript tests/results/msoutcomes/msoutcomes_golden.R tests/results/msoutcomes
#
# Reads <dir>/{cases,random,relapsing}_{visits,relapses}.csv (written by make_cohorts.py), derives
# daysPostRelapse per visit (days since the latest relapse onset on or before the visit; NA when
# none), runs every MSoutcomes function with its defaults and the variants listed in RUNS, and
# writes <dir>/<cohort>_dpr.csv, <cohort>_events.csv, <cohort>_spms.csv and <cohort>_warnings.csv.
# R and the packages come from ../shared/oracle/r/setup.sh. The tests read the CSV files only.

suppressPackageStartupMessages(library(MSoutcomes))
args <- commandArgs(trailingOnly = TRUE)
dir <- if (length(args)) args[1] else "."
stopifnot(packageVersion("MSoutcomes") == "0.2.1")

fs_names <- c(fs_pyramidal = "FSpyr", fs_cerebellar = "FScrbl", fs_brainstem = "FSbstem",
              fs_sensory = "FSsens", fs_bowel_bladder = "FSsph", fs_visual = "FSvis",
              fs_cerebral = "FScereb", ambulation = "FSamb")

days_post_relapse <- function(v, r) {
  out <- rep(NA_real_, nrow(v))
  for (i in seq_len(nrow(v))) {
    on <- r$onset[r$patient_id == v$patient_id[i] & r$onset <= v$day[i]]
    if (length(on)) out[i] <- v$day[i] - max(on)
  }
  out
}

# name, function, arguments
RUNS <- list(
  list("CDW", "CDW", list()),
  list("CDW_unsustained", "CDW", list(sustained = FALSE)),
  list("CDW_mconf180", "CDW", list(mconf = 180)),
  list("CDW_tRelapse60", "CDW", list(tRelapse = 60)),
  list("CDI", "CDI", list()),
  list("CDI_unsustained", "CDI", list(sustained = FALSE)),
  list("CDI_mconf180", "CDI", list(mconf = 180)),
  list("CDEseq", "CDEseq", list()),
  list("CDEseq_mconf180", "CDEseq", list(mconf = 180)),
  list("PIRA", "PIRA", list()),
  list("PIRA_unsustained", "PIRA", list(sustained = FALSE)),
  list("PIRA_mconf180", "PIRA", list(mconf = 180)),
  list("PIRA_mconf180_unsustained", "PIRA", list(mconf = 180, sustained = FALSE)),
  list("PIRA_tRelapse60", "PIRA", list(tRelapse = 60))
)

as_events <- function(df, run, kind) {
  if (!nrow(df)) return(NULL)
  sust <- if ("sust.prog" %in% names(df)) df$sust.prog else df$sust.reg
  data.frame(run = run, kind = kind, ID = df$ID, bEDSS = df$bEDSS,
             base_date = format(as.Date(df$base.date)), EDSS = df$EDSS,
             dateEDSS = format(as.Date(df$dateEDSS)), dEDSS = df$dEDSS,
             sust = as.numeric(sust),
             timepoint = if ("timepoint" %in% names(df)) as.numeric(df$timepoint) else NA)
}

# a column the package leaves out (EDSS.preDxFinal when no visit precedes the conversion)
or_na <- function(x) if (length(x)) x else NA

run_quiet <- function(expr) {
  n <- 0L
  val <- withCallingHandlers(suppressMessages(expr), warning = function(w) {
    n <<- n + 1L
    invokeRestart("muffleWarning")
  })
  list(value = val, warnings = n)
}

for (cohort in c("cases", "random", "relapsing")) {
  v <- read.csv(file.path(dir, paste0(cohort, "_visits.csv")), stringsAsFactors = FALSE)
  r <- read.csv(file.path(dir, paste0(cohort, "_relapses.csv")), stringsAsFactors = FALSE)
  v$day <- as.numeric(as.Date(v$date))
  r$onset <- as.numeric(as.Date(r$onset_date))
  v$daysPostRelapse <- days_post_relapse(v, r)
  write.csv(data.frame(patient_id = v$patient_id, date = v$date, daysPostRelapse = v$daysPostRelapse),
            file.path(dir, paste0(cohort, "_dpr.csv")), row.names = FALSE, na = "")
  Visits <- data.frame(ID = v$patient_id, dateEDSS = v$date, EDSS = v$edss,
                       daysPostRelapse = v$daysPostRelapse, stringsAsFactors = FALSE)
  for (k in names(fs_names)) Visits[[fs_names[[k]]]] <- v[[k]]

  events <- list()
  warns <- list()
  for (run in RUNS) {
    res <- run_quiet(do.call(run[[2]], c(list(Visits), run[[3]])))
    warns[[length(warns) + 1]] <- data.frame(run = run[[1]], warnings = res$warnings)
    out <- res$value
    if (run[[2]] == "CDEseq") {
      events[[length(events) + 1]] <- as_events(out[[1]], run[[1]], "CDW")
      events[[length(events) + 1]] <- as_events(out[[2]], run[[1]], "CDI")
    } else {
      kind <- if (run[[2]] == "PIRA") "PIRA" else run[[2]]
      events[[length(events) + 1]] <- as_events(out, run[[1]], kind)
    }
  }
  write.csv(do.call(rbind, events), file.path(dir, paste0(cohort, "_events.csv")),
            row.names = FALSE, na = "")

  # spmsDx stops with an error for the whole cohort when one patient's scan runs out of visits
  # (e.g. no visit outside a relapse), so it is run one patient at a time; such patients get
  # SPMS = "error".
  spms <- list()
  for (fun in c("spmsDx", "spmsDx_no_fss")) {
    nw <- 0L
    for (id in unique(Visits$ID)) {
      res <- tryCatch(run_quiet(do.call(fun, list(Visits[Visits$ID == id, ]))),
                      error = function(e) NULL)
      if (is.null(res)) {
        spms[[length(spms) + 1]] <- data.frame(run = fun, ID = id, SPMS = "error",
                                               date_SPMS = NA, EDSS_SPMS = NA,
                                               EDSS_preDxFinal = NA)
        next
      }
      nw <- nw + res$warnings
      out <- res$value
      spms[[length(spms) + 1]] <- data.frame(
        run = fun, ID = out$ID, SPMS = as.character(out$SPMS),
        date_SPMS = format(as.Date(out$date.SPMS)), EDSS_SPMS = or_na(out$EDSS.SPMS),
        EDSS_preDxFinal = as.numeric(or_na(out$EDSS.preDxFinal)))
    }
    warns[[length(warns) + 1]] <- data.frame(run = fun, warnings = nw)
  }
  write.csv(do.call(rbind, spms), file.path(dir, paste0(cohort, "_spms.csv")),
            row.names = FALSE, na = "")
  write.csv(do.call(rbind, warns), file.path(dir, paste0(cohort, "_warnings.csv")),
            row.names = FALSE)
}
