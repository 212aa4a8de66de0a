/// Limited-memory BFGS for smooth unconstrained minimisation (Nocedal & Wright, *Numerical Optimization*,
/// Algorithm 7.4 and 7.5), with a backtracking line search on the Armijo condition.
///
/// Deterministic: the same objective and starting point always give the same iterates.
struct LBFGS {
    /// Settings of one minimisation.
    struct Options {
        /// Most iterations (each costs at least one evaluation).
        var maxIterations = 500
        /// Pairs of (step, gradient change) remembered; 10–20 is the usual choice.
        var memory = 15
        /// Stop when the gradient's max-norm falls below this value times max(1, |x|∞).
        var gradientTolerance = 1e-5
        /// Stop when the objective improves by less than this fraction over an iteration.
        var relativeImprovement = 1e-9
    }

    /// Why the minimisation stopped, with the last value.
    struct Outcome {
        var value: Double
        var iterations: Int
        var evaluations: Int
        var converged: Bool
    }

    /// Minimises `objective`, which returns the value at `x` and writes the gradient into its second argument.
    /// - Parameters:
    ///   - x: The starting point on entry, the minimiser found on return.
    ///   - options: Limits and tolerances.
    ///   - objective: `(x, gradient) -> value`.
    static func minimize(
        _ x: inout [Double], options: Options = Options(),
        objective: (_ x: [Double], _ gradient: inout [Double]) -> Double
    ) -> Outcome {
        let n = x.count
        var gradient = [Double](repeating: 0, count: n)
        var value = objective(x, &gradient)
        var evaluations = 1
        var steps: [[Double]] = [], changes: [[Double]] = [], curvatures: [Double] = []
        var direction = [Double](repeating: 0, count: n)
        var trial = [Double](repeating: 0, count: n)
        var trialGradient = [Double](repeating: 0, count: n)
        var alphas = [Double](repeating: 0, count: options.memory)

        for iteration in 0..<options.maxIterations {
            let scale = max(1, x.reduce(0) { max($0, abs($1)) })
            if gradient.reduce(0, { max($0, abs($1)) }) <= options.gradientTolerance * scale {
                return Outcome(value: value, iterations: iteration, evaluations: evaluations, converged: true)
            }
            // Two-loop recursion: direction = -H·gradient.
            for i in 0..<n { direction[i] = -gradient[i] }
            for k in stride(from: steps.count - 1, through: 0, by: -1) {
                alphas[k] = curvatures[k] * dot(steps[k], direction)
                axpy(-alphas[k], changes[k], &direction)
            }
            if let s = steps.last, let y = changes.last {
                let gamma = dot(s, y) / dot(y, y)
                for i in 0..<n { direction[i] *= gamma }
            } else {
                // First step: a unit-length move, since the Hessian's scale is still unknown.
                let norm = dot(gradient, gradient).squareRoot()
                if norm > 0 { for i in 0..<n { direction[i] /= norm } }
            }
            for k in 0..<steps.count {
                let beta = curvatures[k] * dot(changes[k], direction)
                axpy(alphas[k] - beta, steps[k], &direction)
            }
            var slope = dot(gradient, direction)
            if slope >= 0 {
                // Not a descent direction (numerical trouble): restart from steepest descent.
                steps.removeAll()
                changes.removeAll()
                curvatures.removeAll()
                for i in 0..<n { direction[i] = -gradient[i] }
                slope = -dot(gradient, gradient)
            }

            var step = 1.0, trialValue = value, accepted = false
            for _ in 0..<40 {
                for i in 0..<n { trial[i] = x[i] + step * direction[i] }
                trialValue = objective(trial, &trialGradient)
                evaluations += 1
                if trialValue.isFinite && trialValue <= value + 1e-4 * step * slope {
                    accepted = true
                    break
                }
                step *= 0.5
            }
            guard accepted else {
                return Outcome(value: value, iterations: iteration, evaluations: evaluations, converged: false)
            }
            var s = [Double](repeating: 0, count: n), y = [Double](repeating: 0, count: n)
            for i in 0..<n {
                s[i] = trial[i] - x[i]
                y[i] = trialGradient[i] - gradient[i]
            }
            let sy = dot(s, y)
            // Keep only pairs with positive curvature so the implicit Hessian stays positive definite.
            if sy > 1e-12 * dot(y, y) {
                if steps.count == options.memory {
                    steps.removeFirst()
                    changes.removeFirst()
                    curvatures.removeFirst()
                }
                steps.append(s)
                changes.append(y)
                curvatures.append(1 / sy)
            }
            let improvement = value - trialValue
            swap(&x, &trial)
            swap(&gradient, &trialGradient)
            value = trialValue
            if improvement <= options.relativeImprovement * max(abs(value), 1e-12) {
                return Outcome(value: value, iterations: iteration + 1, evaluations: evaluations, converged: true)
            }
        }
        return Outcome(value: value, iterations: options.maxIterations, evaluations: evaluations, converged: false)
    }

    private static func dot(_ a: [Double], _ b: [Double]) -> Double {
        var sum = 0.0
        for i in a.indices { sum += a[i] * b[i] }
        return sum
    }

    private static func axpy(_ alpha: Double, _ x: [Double], _ y: inout [Double]) {
        for i in x.indices { y[i] += alpha * x[i] }
    }
}
