// Package experiment reruns the experiments of V. Elser's "Learning Without Loss" with the
// paper's settings, as functions that other Go programs can call: each takes an Options
// struct (a Default…Options function gives the paper's settings where they differ from the
// zero value), a context that stops it, and a Progress that hears how far it has got, and
// returns a Result struct of the figures that "lwl-train repro" prints beside the paper's
// (and, with -json, as JSON: the Result types carry its field names).
//
// The experiments, by section of the paper:
//
//   - Section 4.4.1, table 1: exact NMF of the m×m linear Euclidean distance matrix. LEDM
//     runs one m at one rank (LEDMTable1 holds the paper's rows, LEDMScheduleRank and
//     LEDMScheduleOmega continue its schedule beyond m = 16); LEDMSweep searches each m
//     for the smallest rank solved; DeriveLEDM restricts a certificate of a large m to
//     smaller ones. Solved runs leave certificates that "lwl-train verify" checks.
//     (lwl-train repro ledm)
//   - Section 4.4.2, figure 7: online NMF of synthetic letter montages. Montage.
//     (lwl-train repro montage)
//   - Section 5.5.1: classifiers of majority-gate circuit data. Majority.
//     (lwl-train repro majority)
//   - Section 5.5.2: the MNIST 784→20→10 classifier with eccentric exemptions.
//     MNISTClassifier. (lwl-train repro mnist-classifier)
//   - Sections 5.3.2 and 5.5.2: recovering flipped MNIST labels by relabeling (rule 33).
//     Relabel. (lwl-train repro relabel)
//   - Section 6.3 (future work, beyond the paper): MNIST with weight-tied convolutional
//     layers. MNISTConv. (lwl-train repro mnist-conv)
//   - Section 6.3.1: binary encoding 2ⁿ → n → 2ⁿ with the step activation. Binary;
//     BinaryPaper holds the paper's success rates. (lwl-train repro binary)
//   - Section 6.3.2, figures 20 and 21: the MNIST autoencoder 784→200→10→200→784 with iDE
//     codes. MNISTAutoencoder. (lwl-train repro mnist-autoencoder)
//   - Section 6.2, figures 22 and 23: retraining the fake/genuine filter of a generator
//     bundle on its own codes. RetrainFilter (FilterOptions, FilterResult); FilterCodesOf
//     rebuilds the codes, MeasureFilter measures a filter as the runtime applies it.
//     (lwl-train filter)
//
// Errors of type *OptionsError report settings an experiment refuses before any work.
//
// Beside the experiments, Predict (with PredictData and WriteConfusion) applies a model
// bundle to data through the runtime, as "lwl-train predict" does, and the pieces of
// "lwl-train classify" are here for other programs: ClassifyData loads its data sources,
// BuildArch and WeightMetric build its networks, WriteClassifierOutputs writes its files
// (ClassifierBundle, ClassifierMetrics, WriteKernels), and ClassifyResult is its summary.
// The runtime packages (infer, generate, format) do not depend on this package.
package experiment
