package dev.loop.rxjava.adapters;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.reactivestreams.tck.PublisherVerification;
import org.testng.ITestNGListener;
import org.testng.ITestResult;
import org.testng.TestListenerAdapter;
import org.testng.TestNG;

/**
 * Runs the Reactive Streams TCK's publisher rules ({@link ReceivePublisherVerification}, a TestNG
 * class) from JUnit, through TestNG's programmatic API, and fails if any rule fails.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ReceiveReactiveStreamsTckTest {

  /** Optional rules the receive publisher does not claim: it allows one subscriber only. */
  private static final List<String> NOT_CLAIMED = List.of("optional_spec111_maySupportMultiSubscribe",
      "optional_spec111_registeredSubscribersMustReceiveOnNextOrOnCompleteSignals",
      "optional_spec111_multicast_mustProduceTheSameElementsInTheSameSequenceToAllOfItsSubscribersWhenRequestingOneByOne",
      "optional_spec111_multicast_mustProduceTheSameElementsInTheSameSequenceToAllOfItsSubscribersWhenRequestingManyUpfront",
      "optional_spec111_multicast_mustProduceTheSameElementsInTheSameSequenceToAllOfItsSubscribersWhenRequestingManyUpfrontAndCompleteAsExpected");

  private static String describe(ITestResult r) {
    Throwable t = r.getThrowable();
    return r.getName() + (t == null ? "" : ": " + t);
  }

  @Test
  void receivePassesEveryRequiredRuleOfTheReactiveStreamsTck(@TempDir Path output) {
    TestNG testng = new TestNG(false);
    testng.setOutputDirectory(output.toString());
    testng.setTestClasses(new Class<?>[] {ReceivePublisherVerification.class});
    TestListenerAdapter results = new TestListenerAdapter();
    testng.addListener((ITestNGListener) results);

    testng.run();

    List<String> failed = results.getFailedTests().stream().map(ReceiveReactiveStreamsTckTest::describe)
        .collect(Collectors.toList());
    List<String> skipped = results.getSkippedTests().stream().map(ITestResult::getName)
        .collect(Collectors.toList());
    List<String> passed = results.getPassedTests().stream().map(ITestResult::getName)
        .collect(Collectors.toList());
    List<String> requiredRules = Arrays.stream(PublisherVerification.class.getMethods())
        .map(Method::getName)
        .filter(name -> name.startsWith("required_") || name.startsWith("stochastic_"))
        .collect(Collectors.toList());
    assertThat(failed).as("failed TCK rules").isEmpty();
    assertThat(requiredRules).hasSizeGreaterThan(20);
    assertThat(passed).as("passed TCK rules").containsAll(requiredRules);
    assertThat(skipped).as("skipped rules: untested by the TCK, or optional and not claimed")
        .allMatch(name -> name.startsWith("untested_") || NOT_CLAIMED.contains(name));
  }
}
